"""One episode in memory, as the episode loop records it and the RLDS codec writes it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Episode:
    """RLDS's step convention: T actions and rewards, T + 1 observations (the last one is
    the final frame, where no action is taken)."""
    seed: int
    observations: np.ndarray  # uint8 [T + 1, 64, 64, 3]
    actions: np.ndarray  # float32 [T, 3], in the environment's action space
    rewards: np.ndarray  # float32 [T]
    terminated: bool
    truncated: bool

    @property
    def length(self) -> int:
        return len(self.actions)

    @property
    def episode_return(self) -> float:
        return float(np.sum(self.rewards, dtype=np.float64))

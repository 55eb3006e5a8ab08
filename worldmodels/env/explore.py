"""The exploration policy whose episodes V and M learn from: Brownian-motion actions,
a_{t+1} = clip(a_t + sqrt(dt) N(0, 1)), dt = 1/50, seeded per episode."""
from __future__ import annotations

import math

import numpy as np

from worldmodels.env import car_racing


class BrownianPolicy:
    """One episode's action stream."""

    def __init__(self, seed: int, dt: float = 1.0 / 50.0):
        # The policy's stream is derived from, but independent of, the environment's seed.
        self._rng = np.random.default_rng([seed, 1])
        self._scale = math.sqrt(dt)
        self._action = self._rng.uniform(car_racing.ACTION_LOW,
                                         car_racing.ACTION_HIGH).astype(np.float32)

    def __call__(self) -> np.ndarray:
        action = self._action
        step = self._scale * self._rng.standard_normal(3)
        self._action = np.clip(action + step, car_racing.ACTION_LOW,
                               car_racing.ACTION_HIGH).astype(np.float32)
        return action


class Explorer:
    """The explorer as a batched policy of the episode loop (engine.episodes): each slot
    plays its own episode's BrownianPolicy, seeded by the episode's seed; frames are unused."""

    def reset(self, slots: int) -> None:
        self._streams: list[BrownianPolicy | None] = [None] * slots

    def begin(self, slot: int, job) -> None:
        self._streams[slot] = BrownianPolicy(job.seed)

    def act(self, frames: np.ndarray, slots) -> np.ndarray:
        ids = range(len(self._streams))[slots] if isinstance(slots, slice) else slots
        return np.stack([self._streams[s]() for s in ids])

"""The exploration policies whose episodes V and M learn from, seeded per episode: for
CarRacing Brownian-motion actions, a_{t+1} = clip(a_t + sqrt(dt) N(0, 1)), dt = 1/50; for
DoomTakeCover (as the paper's code) a uniform value in [-1, 1] held for 1 to 10 steps, taken
as C's output would be (left, stay or right)."""
from __future__ import annotations

import math

import numpy as np

from worldmodels.env import car_racing, doom


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


class HeldUniformPolicy:
    """One episode's action stream: a uniform value in [-1, 1], held for 1 to 10 steps, as
    the game's choice (-1 left, 0 stay, 1 right; doom.choice)."""

    def __init__(self, seed: int):
        self._rng = np.random.default_rng([seed, 1])
        self._left = 0

    def __call__(self) -> np.ndarray:
        if self._left == 0:
            self._action = doom.choice(self._rng.uniform(-1.0, 1.0, 1))
            self._left = int(self._rng.integers(1, 11))
        self._left -= 1
        return self._action


EXPLORERS = {car_racing.ENV_ID: BrownianPolicy, doom.ENV_ID: HeldUniformPolicy}


class Explorer:
    """A game's explorer as a batched policy of the episode loop (engine.episodes): each
    slot plays its own episode's stream, seeded by the episode's seed; frames are unused."""

    def __init__(self, env_id: str = car_racing.ENV_ID):
        self._stream = EXPLORERS[env_id]

    def reset(self, slots: int) -> None:
        self._streams: list = [None] * slots

    def begin(self, slot: int, job) -> None:
        self._streams[slot] = self._stream(job.seed)

    def act(self, frames: np.ndarray, slots) -> np.ndarray:
        ids = range(len(self._streams))[slots] if isinstance(slots, slice) else slots
        return np.stack([self._streams[s]() for s in ids])

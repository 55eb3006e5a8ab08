"""Whole episodes of CarRacing-v3 under the seeded exploration policy.

An Episode follows RLDS's step convention: T actions and rewards, T + 1 observations (the last
one is the final frame, where no action is taken).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from worldmodels import env as envlib
from worldmodels import seeds


@dataclass
class Episode:
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


class BrownianPolicy:
    """Brownian-motion actions, a_{t+1} = clip(a_t + sqrt(dt) N(0, 1)), dt = 1/50 (C's explorer)."""

    def __init__(self, seed: int, dt: float = 1.0 / 50.0):
        # The policy's stream is derived from, but independent of, the environment's seed.
        self._rng = np.random.default_rng([seed, 1])
        self._scale = math.sqrt(dt)
        self._action = self._rng.uniform(envlib.ACTION_LOW, envlib.ACTION_HIGH).astype(np.float32)

    def __call__(self) -> np.ndarray:
        action = self._action
        step = self._scale * self._rng.standard_normal(3)
        self._action = np.clip(action + step, envlib.ACTION_LOW, envlib.ACTION_HIGH).astype(np.float32)
        return action


def episode_seeds(base_seed: int, split: str, count: int) -> list[int]:
    """Disjoint seed ranges per split, so train and eval never share a track."""
    return seeds.seeds(base_seed, f"rollouts_{split}", 0, count)


def collect_episode(env, seed: int) -> Episode:
    """Runs one episode of the Brownian explorer on `env` reset with `seed`."""
    policy = BrownianPolicy(seed)
    frame, _ = env.reset(seed=seed)
    frames, actions, rewards = [frame], [], []
    terminated = truncated = False
    while not (terminated or truncated):
        action = policy()
        frame, reward, terminated, truncated, _ = env.step(action)
        frames.append(frame)
        actions.append(action)
        rewards.append(reward)
    return Episode(
        seed=seed,
        observations=envlib.preprocess(np.stack(frames)),
        actions=np.asarray(actions, np.float32).reshape(-1, 3),
        rewards=np.asarray(rewards, np.float32),
        terminated=bool(terminated),
        truncated=bool(truncated),
    )

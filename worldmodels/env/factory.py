"""Environments by id, truncated at a step limit."""
from __future__ import annotations

import os

from worldmodels.env import car_racing, doom

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def make_env(env_id: str = car_racing.ENV_ID, max_steps: int = 1000,
             render_mode: str | None = None, fast: bool = True):
    """`env_id` truncated at `max_steps` (CarRacing-v3's own limit is 1,000; TakeCover has
    none).

    fast=True gives CarRacing-v3 through env.fast_car_racing's renderer: the same observations,
    rewards, terminations and frames as gymnasium's for the same seeds and actions, about 3x
    faster. TakeCover comes through env.doom's adapter."""
    import gymnasium as gym

    if env_id == doom.ENV_ID:
        return doom.make(max_steps, render_mode)
    if fast and env_id == car_racing.ENV_ID:
        from worldmodels.env import fast_car_racing

        fast_car_racing.register()
        env_id = fast_car_racing.ENV_ID
    return gym.make(env_id, max_episode_steps=max_steps, render_mode=render_mode)

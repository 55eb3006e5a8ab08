"""The batched rollout engine: one process steps K environments and calls the models once per
step for all of them (V encode, C, one LSTM step), never once per environment.

Jobs are (controller parameters, episode seed) pairs; a free environment takes the next job as
soon as its episode ends, so K stays busy until the queue drains. A job with `patience` ends its
episode once that many steps pass without a new road tile (the search's shortcut for hopeless
episodes); the steps it skips are charged CarRacing's per-step cost, as if the car had stayed
stuck, so its return stays comparable with full episodes. Evaluations never set it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from worldmodels import env as envlib


@dataclass(frozen=True)
class Job:
    params_index: int
    seed: int
    patience: int = 0  # steps without a new tile before the episode ends; 0 = never


def run_jobs(policy, params: np.ndarray, jobs: list[Job], envs: list, on_episode=None,
             lengths: np.ndarray | None = None) -> np.ndarray:
    """Returns each job's episode return. `policy(frames, params, h, c) -> (actions, h, c)`.
    `lengths`, if given, receives each job's number of environment steps."""
    k = len(envs)
    returns = np.zeros(len(jobs), np.float64)
    steps = np.zeros(len(jobs), np.int64) if lengths is None else lengths
    stalled = np.zeros(k, np.int64)  # steps since the slot's last new tile
    slot_job = [-1] * k
    frames = np.zeros((k, *envlib.FRAME_SHAPE), np.uint8)
    slot_params = np.zeros((k, params.shape[-1]), params.dtype)
    h, c = policy.initial_state(k)
    queue = iter(range(len(jobs)))

    def start(slot: int) -> None:
        j = next(queue, -1)
        slot_job[slot] = j
        if j >= 0:
            frames[slot], _ = envs[slot].reset(seed=jobs[j].seed)
            slot_params[slot] = params[jobs[j].params_index]
            stalled[slot] = 0
            h[slot] = 0.0
            c[slot] = 0.0

    for slot in range(k):
        start(slot)
    while True:
        active = [s for s in range(k) if slot_job[s] >= 0]
        if not active:
            return returns
        if len(active) == k:  # the common case: whole arrays, no gathering copies
            actions, h[:], c[:] = policy(frames, slot_params, h, c)
        else:
            actions, h_new, c_new = policy(frames[active], slot_params[active], h[active], c[active])
            h[active], c[active] = h_new, c_new
        for i, slot in enumerate(active):
            frame, reward, terminated, truncated, _ = envs[slot].step(actions[i])
            j = slot_job[slot]
            returns[j] += reward
            steps[j] += 1
            frames[slot] = frame
            stalled[slot] = 0 if reward > 0 else stalled[slot] + 1  # > 0 only on a new tile
            if (jobs[j].patience and stalled[slot] >= jobs[j].patience
                    and not (terminated or truncated)):
                horizon = envs[slot].spec.max_episode_steps
                returns[j] -= envlib.STEP_COST * (horizon - steps[j])
                terminated = True
            if terminated or truncated:
                if on_episode:
                    on_episode(j, returns[j])
                start(slot)


def population_jobs(population: int, seeds: list[int], patience: int = 0) -> list[Job]:
    """Every candidate on every seed (common random numbers across the population)."""
    return [Job(p, s, patience) for p in range(population) for s in seeds]


def mean_returns(returns: np.ndarray, population: int) -> np.ndarray:
    return returns.reshape(population, -1).mean(axis=1)

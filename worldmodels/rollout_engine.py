"""The batched rollout engine: one process steps K environments and calls the models once per
step for all of them (V encode, C, one LSTM step), never once per environment.

Jobs are (controller parameters, episode seed) pairs; a free environment takes the next job as
soon as its episode ends, so K stays busy until the queue drains.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from worldmodels import env as envlib


@dataclass(frozen=True)
class Job:
    params_index: int
    seed: int


def run_jobs(policy, params: np.ndarray, jobs: list[Job], envs: list, on_episode=None) -> np.ndarray:
    """Returns each job's episode return. `policy(frames, params, h, c) -> (actions, h, c)`."""
    k = len(envs)
    returns = np.zeros(len(jobs), np.float64)
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
            frames[slot] = frame
            if terminated or truncated:
                if on_episode:
                    on_episode(j, returns[j])
                start(slot)


def population_jobs(population: int, seeds: list[int]) -> list[Job]:
    """Every candidate on every seed (common random numbers across the population)."""
    return [Job(p, s) for p in range(population) for s in seeds]


def mean_returns(returns: np.ndarray, population: int) -> np.ndarray:
    return returns.reshape(population, -1).mean(axis=1)

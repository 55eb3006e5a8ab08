"""Scorers: controllers' episodes played on a pool (runtime.pools), returns in job order.

A scorer splits its jobs into one contiguous chunk per worker, each chunk carrying only the
controller parameters its jobs use. Workers load V and M once and keep them (pools.cached),
and the returns never depend on where a job ran: episodes are fully determined by their seeds
and the model calls are batch-invariant. The real game's scorer is here; the dream's is in
engine.dream.
"""
from __future__ import annotations

import dataclasses
import functools
import os

import numpy as np

from worldmodels import layout
from worldmodels.config import Config
from worldmodels.engine import episodes
from worldmodels.engine.policies import WorldModel
from worldmodels.env.factory import make_env
from worldmodels.games import game
from worldmodels.export import serving
from worldmodels.runtime import pools


class Scorer:
    """`score(params, jobs)` -> each job's return. `steps` counts the environment (or model)
    steps of every call so far; `job_workers` names the worker of each job of the last call.
    `chunk_fn((params, jobs)) -> (returns, steps)` runs on the pool's workers."""

    def __init__(self, pool, chunk_fn):
        self.pool, self._chunk_fn = pool, chunk_fn
        self.steps = 0
        self.job_workers: list[str] = []

    def score(self, params: np.ndarray, jobs: list[episodes.Job]) -> np.ndarray:
        params = np.asarray(params, np.float32)
        tasks = []
        for part in pools.chunks(len(jobs), self.pool.workers):
            chunk = [jobs[i] for i in part]
            used = sorted({j.params_index for j in chunk})
            remap = {p: i for i, p in enumerate(used)}
            tasks.append((params[used], [dataclasses.replace(j, params_index=remap[j.params_index])
                                         for j in chunk]))
        results = self.pool.map(self._chunk_fn, tasks)
        self.job_workers = [worker for worker, (returns, _) in zip(self.pool.last_workers, results)
                            for _ in returns]
        if not results:
            return np.zeros(0)
        self.steps += int(sum(steps.sum() for _, steps in results))
        return np.concatenate([returns for returns, _ in results])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.pool.close(abort=exc[0] is not None)


def play_real_chunk(setup: tuple, task: tuple) -> tuple[np.ndarray, np.ndarray]:
    """A worker's share of real episodes: (params [P, C's size], jobs) -> (returns, steps)."""
    env_id, max_steps, count, vae_dir, rnn_dir, threads = setup
    if threads:
        pools.set_threads(threads)
    model, envs = pools.cached(("real",) + setup[:5], lambda: (
        WorldModel(serving.load(vae_dir), serving.load(rnn_dir), game(env_id)),
        [make_env(env_id, max_steps) for _ in range(count)]))
    params, jobs = task
    played = episodes.play_jobs(envs, model.policy(params), jobs,
                                step_cost=game(env_id).step_cost)
    return played.returns, played.steps


class RealScorer(Scorer):
    """World-model episodes in the real environment, each worker stepping `envs_per_worker`
    environments with one batched model call per step."""

    def __init__(self, pool, env_id: str, max_steps: int, vae_dir: str, rnn_dir: str,
                 envs_per_worker: int):
        threads = 1 if pool.workers > 1 else 0  # worker processes share the cores
        super().__init__(pool, functools.partial(play_real_chunk, (
            env_id, max_steps, envs_per_worker, vae_dir, rnn_dir, threads)))


def real_scorer(cfg: Config, vae_dir: str, rnn_dir: str, episode_count: int,
                beam_args: list[str] | None) -> RealScorer:
    """A RealScorer for the V and M artifacts, its pool sized for `episode_count` episodes."""
    pool = pools.make_pool(beam_args, cfg.controller.workers, episode_count * cfg.env.max_steps)
    return RealScorer(pool, cfg.env.env_id, cfg.env.max_steps,
                      os.path.join(vae_dir, layout.SERVING_DIR),
                      os.path.join(rnn_dir, layout.SERVING_DIR), cfg.controller.envs_per_worker)

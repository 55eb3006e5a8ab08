"""Worker processes for the environment-bound stages, one per core by default.

Each worker is a spawned process (TensorFlow is not fork-safe) that builds its environments,
and for model-driven episodes loads V and M, once. Work is split into contiguous chunks and the
results come back in order, so the output does not depend on the number of workers: the
engine's results are batch-invariant and every episode is fully determined by its seed.
"""
from __future__ import annotations

import multiprocessing
import os

import numpy as np

from worldmodels import env as envlib
from worldmodels import rollout, rollout_engine

_STATE: dict = {}  # in a worker process: what its initializer built


# Starting a worker costs a few seconds (TensorFlow's import); below this much work, auto
# mode stays in this process.
AUTO_MIN_ENV_STEPS = 20_000


def resolve_workers(workers: int, env_steps: int | None = None) -> int:
    """Explicit counts are kept; 0 (auto) means one per core, or 1 for small jobs."""
    if workers > 0:
        return workers
    if env_steps is not None and env_steps < AUTO_MIN_ENV_STEPS:
        return 1
    return os.cpu_count() or 1


def _chunks(n: int, parts: int) -> list[range]:
    bounds = np.linspace(0, n, parts + 1).round().astype(int)
    return [range(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _build_envs(env_id: str, max_steps: int, count: int) -> dict:
    return {"envs": [envlib.make_env(env_id, max_steps) for _ in range(count)]}


def _build_policy(env_id: str, max_steps: int, count: int, vision_dir: str, memory_dir: str,
                  threads: int) -> dict:
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    from worldmodels import agent, serving

    policy = agent.PopulationPolicy(serving.load(vision_dir), serving.load(memory_dir))
    return {**_build_envs(env_id, max_steps, count), "policy": policy}


def _init_worker(builder, args) -> None:
    _STATE.update(builder(*args))


def _collect(seed: int, state: dict | None = None) -> rollout.Episode:
    return rollout.collect_episode((state or _STATE)["envs"][0], seed)


def _run_chunk(task, state: dict | None = None) -> np.ndarray:
    params, jobs = task
    state = state or _STATE
    return rollout_engine.run_jobs(state["policy"], params, jobs, state["envs"])


class _Pool:
    """`workers` spawned processes, or this process itself when workers == 1."""

    def __init__(self, builder, args: tuple, workers: int):
        self.workers = workers
        if self.workers == 1:
            self._state, self._pool = builder(*args), None
        else:
            self._state = None
            self._pool = multiprocessing.get_context("spawn").Pool(
                self.workers, initializer=_init_worker, initargs=(builder, args))

    def map(self, fn, items, ordered_stream: bool = False):
        if self._pool is None:
            return (fn(item, self._state) for item in items)
        return self._pool.imap(fn, items) if ordered_stream else self._pool.map(fn, items)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
        for env in (self._state or {}).get("envs", []):
            env.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._pool is not None and exc[0] is not None:
            self._pool.terminate()
        self.close()


class EpisodePool(_Pool):
    """Brownian-explorer episodes over worker processes, yielded in seed order."""

    def __init__(self, env_id: str, max_steps: int, workers: int):
        """`workers` as resolved by resolve_workers."""
        super().__init__(_build_envs, (env_id, max_steps, 1), workers)

    def episodes(self, seeds: list[int]):
        return self.map(_collect, seeds, ordered_stream=True)


class PolicyPool(_Pool):
    """World-model episodes (V, M and one controller per job) over worker processes, each
    stepping `envs_per_worker` environments with one batched model call per step."""

    def __init__(self, env_id: str, max_steps: int, vision_dir: str, memory_dir: str,
                 workers: int, envs_per_worker: int):
        """`workers` as resolved by resolve_workers."""
        threads = 1 if workers > 1 else 0
        super().__init__(_build_policy, (env_id, max_steps, envs_per_worker, vision_dir,
                                         memory_dir, threads), workers)

    def run(self, params: np.ndarray, jobs: list[rollout_engine.Job]) -> np.ndarray:
        """Each job's return, in job order."""
        params = np.asarray(params, np.float32)
        tasks = []
        for part in _chunks(len(jobs), self.workers):
            chunk = [jobs[i] for i in part]
            used = sorted({j.params_index for j in chunk})
            remap = {p: i for i, p in enumerate(used)}
            tasks.append((params[used], [rollout_engine.Job(remap[j.params_index], j.seed)
                                         for j in chunk]))
        results = list(self.map(_run_chunk, tasks))
        return np.concatenate(results) if results else np.zeros(0)

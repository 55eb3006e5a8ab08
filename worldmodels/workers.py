"""Where the environment-bound work runs: this process, local worker processes (one per core
by default), or Beam workers (DirectRunner or a Dask cluster here; Dataflow, Flink or Spark
elsewhere).

All three expose `map(fn, items) -> results in item order`; `fn` is a picklable function of one
item. After a `map`, `last_workers` names the worker that ran each item (cluster.worker_id),
so stages can record where their shards and candidates ran, and `last_seconds` holds each
item's time in its worker, so a map's overhead can be told from its compute. Workers build
their environments and load V and M once (cached per process), and results never depend on
where an item ran: episodes are fully determined by their seeds and the engine's model calls
are batch-invariant.
"""
from __future__ import annotations

import dataclasses
import functools
import multiprocessing
import os
import pickle
import shutil
import signal
import tempfile
import time
import uuid

import numpy as np

from worldmodels import cluster, rollout_engine
from worldmodels import env as envlib

# Starting a local worker costs a few seconds (TensorFlow's import); below this much work,
# auto mode stays in this process.
AUTO_MIN_ENV_STEPS = 20_000

_CACHE: dict = {}  # per process: environments and policies, built on first use


def resolve_workers(workers: int, env_steps: int | None = None) -> int:
    """Explicit counts are kept; 0 (auto) means one per core, or 1 for small jobs."""
    if workers > 0:
        return workers
    if env_steps is not None and env_steps < AUTO_MIN_ENV_STEPS:
        return 1
    return os.cpu_count() or 1


def cached(key, build):
    if key not in _CACHE:
        _CACHE[key] = build()
    return _CACHE[key]


def traced(fn, item):
    """fn(item), the worker that ran it and the seconds it took there."""
    start = time.perf_counter()
    result = fn(item)
    return cluster.worker_id(), time.perf_counter() - start, result


def _collect(runner, traces, on_result) -> list:
    """Results in item order from `traced` triples; workers and seconds go to the runner."""
    runner.last_workers, runner.last_seconds, results = [], [], []
    for worker, seconds, result in traces:
        runner.last_workers.append(worker)
        runner.last_seconds.append(seconds)
        results.append(result)
        if on_result:
            on_result(result)
    return results


class InProcess:
    workers = 1

    def map(self, fn, items, on_result=None):
        return _collect(self, (traced(fn, item) for item in items), on_result)

    def close(self, abort: bool = False):
        pass


class ProcessPool:
    """Spawned processes (TensorFlow is not fork-safe), kept for the pool's life. Workers
    ignore Ctrl-C: the parent gets it, stops them and says so in one line."""

    def __init__(self, workers: int):
        self.workers = workers
        self._pool = multiprocessing.get_context("spawn").Pool(
            workers, initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN))

    def map(self, fn, items, on_result=None):
        return _collect(self, self._pool.imap(functools.partial(traced, fn), list(items)),
                        on_result)

    def close(self, abort: bool = False):
        if abort:
            self._pool.terminate()
        else:
            self._pool.close()
        self._pool.join()


class BeamMap:
    """One Beam pipeline per `map` call. Results come back through files under Beam's
    --temp_location (which every worker must reach: a GCS path on Dataflow, a shared disk on a
    Dask cluster), or a local temporary directory.

    On a Dask cluster (cluster.py) the workers are the cluster's worker processes, which live
    on between `map` calls, so what they cache (environments, V and M) is built once."""

    def __init__(self, beam_args: list[str]):
        from apache_beam.options.pipeline_options import (DirectOptions, GoogleCloudOptions,
                                                          PipelineOptions)

        self.beam_args = cluster.resolve(beam_args)
        self.dask = cluster.is_dask(self.beam_args)
        options = PipelineOptions(self.beam_args)
        self._own_tmp = not options.view_as(GoogleCloudOptions).temp_location
        self.tmp_dir = (tempfile.mkdtemp(prefix="worldmodels-beam-") if self._own_tmp
                        else options.view_as(GoogleCloudOptions).temp_location)
        self.workers = (cluster.worker_count(self.beam_args) if self.dask
                        else options.view_as(DirectOptions).direct_num_workers or 1)

    def map(self, fn, items, on_result=None):
        import apache_beam as beam
        import tensorflow as tf

        items = list(items)
        out = os.path.join(self.tmp_dir, uuid.uuid4().hex)
        tf.io.gfile.makedirs(out)
        args = cluster.partition_args(self.beam_args, len(items)) if self.dask else self.beam_args
        p = beam.Pipeline(argv=args)
        _ = (p | beam.Create(list(enumerate(items)))
             | beam.Reshuffle()
             | beam.Map(_apply_and_save, fn, out))
        result = p.run()
        try:
            result.wait_until_finish()
        finally:
            if self.dask:  # the DaskRunner opens a client per pipeline and leaves it open
                result.client.close()
        traces = []
        for i in range(len(items)):
            with tf.io.gfile.GFile(os.path.join(out, f"{i:08d}.pkl"), "rb") as f:
                traces.append(pickle.load(f))
        tf.io.gfile.rmtree(out)
        return _collect(self, traces, on_result)

    def close(self, abort: bool = False):
        if self._own_tmp:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)


def _apply_and_save(indexed_item, fn, out: str) -> None:
    import tensorflow as tf

    index, item = indexed_item
    with tf.io.gfile.GFile(os.path.join(out, f"{index:08d}.pkl"), "wb") as f:
        pickle.dump(traced(fn, item), f)


def make_runner(workers: int, env_steps: int, beam_args: list[str] | None = None):
    """Beam when Beam arguments are given, else local processes or this process."""
    if beam_args:
        return BeamMap(beam_args)
    n = resolve_workers(workers, env_steps)
    return InProcess() if n == 1 else ProcessPool(n)


def chunks(n: int, parts: int) -> list[range]:
    bounds = np.linspace(0, n, parts + 1).round().astype(int)
    return [range(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


# --- world-model episodes --------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def _set_threads(threads: int) -> None:
    """TensorFlow's thread count for this worker process. A long-lived cluster worker whose
    TensorFlow already ran an earlier stage's task keeps its count: TensorFlow cannot change
    it after start-up, and results do not depend on it."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass


def _policy_and_envs(env_id, max_steps, count, vision_dir, memory_dir):
    from worldmodels import agent, serving

    policy = agent.PopulationPolicy(serving.load(vision_dir), serving.load(memory_dir))
    return policy, [envlib.make_env(env_id, max_steps) for _ in range(count)]


def run_policy_chunk(setup: tuple, task) -> np.ndarray:
    """A worker's share: (params [P, 867], jobs) -> returns, with V and M loaded once."""
    env_id, max_steps, count, vision_dir, memory_dir, threads = setup
    if threads:
        _set_threads(threads)
    policy, envs = cached(("policy",) + setup[:5], lambda: _policy_and_envs(*setup[:5]))
    params, jobs = task
    lengths = np.zeros(len(jobs), np.int64)
    returns = rollout_engine.run_jobs(policy, params, jobs, envs, lengths=lengths)
    return returns, lengths


def run_dream_chunk(setup: tuple, task) -> tuple[np.ndarray, np.ndarray]:
    """A worker's share of dreams: (params [P, 867], jobs) -> returns and model steps, with M
    and the initial latents loaded once."""
    from worldmodels import dream, serving

    memory_dir, latents_dir, steps, temperature, starts_every, threads = setup
    if threads:
        _set_threads(threads)
    policy = cached(("dream", memory_dir), lambda: dream.DreamPolicy(serving.load(memory_dir)))
    starts = cached(("starts", memory_dir, latents_dir, starts_every),
                    lambda: dream.dream_starts(latents_dir, policy.memory, starts_every))
    params, jobs = task
    returns = policy.returns(params[[j.params_index for j in jobs]], [j.seed for j in jobs],
                             starts, steps, temperature)
    return returns, np.full(len(jobs), steps, np.int64)


class _JobRunner:
    """Jobs split into one contiguous chunk per worker, each chunk with only the controller
    parameters its jobs use; results in job order. `steps` counts the environment (or model)
    steps of every run so far; `job_workers` names the worker of each job of the last run."""

    def __init__(self, runner, fn):
        self.runner, self._fn = runner, fn
        self.steps = 0
        self.job_workers: list[str] = []

    def run(self, params: np.ndarray, jobs: list[rollout_engine.Job]) -> np.ndarray:
        """Each job's return, in job order."""
        params = np.asarray(params, np.float32)
        tasks = []
        for part in chunks(len(jobs), self.runner.workers):
            chunk = [jobs[i] for i in part]
            used = sorted({j.params_index for j in chunk})
            remap = {p: i for i, p in enumerate(used)}
            tasks.append((params[used], [dataclasses.replace(j, params_index=remap[j.params_index])
                                         for j in chunk]))
        results = self.runner.map(self._fn, tasks)
        self.job_workers = [worker for worker, (returns, _) in zip(self.runner.last_workers, results)
                            for _ in returns]
        if not results:
            return np.zeros(0)
        self.steps += int(sum(lengths.sum() for _, lengths in results))
        return np.concatenate([returns for returns, _ in results])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.runner.close(abort=exc[0] is not None)


class PolicyRunner(_JobRunner):
    """World-model episodes in the real environment (V, M and one controller per job), each
    worker stepping `envs_per_worker` environments with one batched model call per step."""

    def __init__(self, runner, env_id: str, max_steps: int, vision_dir: str, memory_dir: str,
                 envs_per_worker: int):
        threads = 1 if runner.workers > 1 else 0
        super().__init__(runner, functools.partial(run_policy_chunk, (
            env_id, max_steps, envs_per_worker, vision_dir, memory_dir, threads)))


class DreamRunner(_JobRunner):
    """Dreams in M (one controller per job, the job's seed picks its start and its noise),
    each worker running its share as one batch of `steps` model steps."""

    def __init__(self, runner, memory_dir: str, latents_dir: str, steps: int,
                 temperature: float, starts_every: int = 0):
        threads = 1 if runner.workers > 1 else 0
        super().__init__(runner, functools.partial(run_dream_chunk, (
            memory_dir, latents_dir, steps, temperature, starts_every, threads)))

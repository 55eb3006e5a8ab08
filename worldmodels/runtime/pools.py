"""Pools: where environment-bound work runs. This process, local worker processes (one per
core by default), or Beam workers (the DirectRunner or a Dask cluster here; Dataflow, Flink or
Spark elsewhere).

All three expose `map(fn, items) -> results in item order`; `fn` is a picklable function of one
item. After a `map`, `last_workers` names the worker that ran each item
(dask_dask_cluster.worker_id), so stages can record where their shards and candidates ran, and
`last_seconds` holds each item's time in its worker, so a map's overhead can be told from its
compute. Workers build their environments and load models once (`cached`, per process), and
results never depend on where an item ran.
"""
from __future__ import annotations

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

from worldmodels.runtime import dask_cluster

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
    return dask_cluster.worker_id(), time.perf_counter() - start, result


def _collect(pool, traces, on_result) -> list:
    """Results in item order from `traced` triples; workers and seconds go to the pool."""
    pool.last_workers, pool.last_seconds, results = [], [], []
    for worker, seconds, result in traces:
        pool.last_workers.append(worker)
        pool.last_seconds.append(seconds)
        results.append(result)
        if on_result:
            on_result(result)
    return results


class Pool:
    """A context manager closing the pool on exit, its workers stopped at once on an error."""

    def close(self, abort: bool = False) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close(abort=exc[0] is not None)


class InProcess(Pool):
    workers = 1

    def map(self, fn, items, on_result=None):
        return _collect(self, (traced(fn, item) for item in items), on_result)


class ProcessPool(Pool):
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


class BeamPool(Pool):
    """One Beam pipeline per `map` call. Results come back through files under Beam's
    --temp_location (which every worker must reach: a GCS path on Dataflow, a shared disk on a
    Dask cluster), or a local temporary directory.

    On a Dask cluster (dask_cluster.py) the workers are the cluster's worker processes, which live
    on between `map` calls, so what they cache (environments, V and M) is built once."""

    def __init__(self, beam_args: list[str]):
        from apache_beam.options.pipeline_options import (
            DirectOptions,
            GoogleCloudOptions,
            PipelineOptions,
        )

        self.beam_args = dask_cluster.resolve(beam_args)
        self.dask = dask_cluster.is_dask(self.beam_args)
        options = PipelineOptions(self.beam_args)
        self._own_tmp = not options.view_as(GoogleCloudOptions).temp_location
        self.tmp_dir = (tempfile.mkdtemp(prefix="worldmodels-beam-") if self._own_tmp
                        else options.view_as(GoogleCloudOptions).temp_location)
        self.workers = (dask_cluster.worker_count(self.beam_args) if self.dask
                        else options.view_as(DirectOptions).direct_num_workers or 1)

    def map(self, fn, items, on_result=None):
        import apache_beam as beam
        import tensorflow as tf

        items = list(items)
        out = os.path.join(self.tmp_dir, uuid.uuid4().hex)
        tf.io.gfile.makedirs(out)
        args = dask_cluster.partition_args(self.beam_args, len(items)) if self.dask else self.beam_args
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


def make_pool(beam_args: list[str] | None, workers: int = 0, env_steps: int | None = None):
    """Beam when Beam arguments are given, else `workers` local processes (0: one per core,
    or this process for fewer than AUTO_MIN_ENV_STEPS environment steps) or this process."""
    if beam_args:
        return BeamPool(beam_args)
    n = resolve_workers(workers, env_steps)
    return InProcess() if n == 1 else ProcessPool(n)


def chunks(n: int, parts: int) -> list[range]:
    """range(n) in `parts` contiguous, nearly equal pieces (empty ones left out)."""
    bounds = np.linspace(0, n, parts + 1).round().astype(int)
    return [range(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


@functools.lru_cache(maxsize=None)
def set_threads(threads: int) -> None:
    """TensorFlow's thread count for this worker process. A long-lived cluster worker whose
    TensorFlow already ran an earlier stage's task keeps its count: TensorFlow cannot change
    it after start-up, and results do not depend on it."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass

"""Rollouts on a Dask cluster: ControllerSearch-style throughput (V, M and C acting) through
Beam's DaskRunner on a local cluster of 2 worker processes vs 1 (floor 1.7x), and vs the local
worker processes (2, floor 0.9). Same jobs and seeds everywhere; each pool is warmed up
first (workers load V and M once and keep them), so start-up is excluded.

    .venv/bin/python benchmarks/bench_cluster.py [--episodes 64] [--steps 200] [--envs 32]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import common
import numpy as np


def throughput(pool, vae_dir: str, rnn_dir: str, args, params, jobs) -> tuple[float, np.ndarray, set]:
    from worldmodels.engine import episodes
    from worldmodels.engine.scorers import RealScorer

    with RealScorer(pool, "CarRacing-v3", args.steps, vae_dir, rnn_dir, args.envs) as scorer:
        warm = [episodes.Job(i, 10**6 + i) for i in range(pool.workers)]
        scorer.score(params[:pool.workers], warm)
        while len(set(scorer.job_workers)) < pool.workers:  # until every worker loaded V and M
            scorer.score(params[:pool.workers], warm)
        start = time.perf_counter()
        returns = scorer.score(params, jobs)
        elapsed = time.perf_counter() - start
        used = set(scorer.job_workers)
    return len(jobs) * args.steps / elapsed, returns, used


def on_dask(workers: int, *run_args) -> tuple[float, np.ndarray, set]:
    from distributed import LocalCluster

    from worldmodels.runtime import pools

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        pool = pools.BeamPool(["--runner=DaskRunner",
                               f"--dask_client_address={cluster.scheduler_address}"])
        return throughput(pool, *run_args)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=64)
    parser.add_argument("--steps", type=int, default=200, help="episode length cap")
    parser.add_argument("--envs", type=int, default=32, help="environments per worker")
    args = parser.parse_args()
    os.environ.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")  # one core a worker
    from worldmodels.engine import episodes
    from worldmodels.runtime import pools

    with tempfile.TemporaryDirectory() as tmp:
        vae_dir, rnn_dir = common.untrained_world_model(tmp)
        params = np.random.default_rng(0).normal(0, 0.1, (args.episodes, 867)).astype(np.float32)
        jobs = [episodes.Job(i, i) for i in range(args.episodes)]
        run_args = (vae_dir, rnn_dir, args, params, jobs)
        one, returns_one, _ = on_dask(1, *run_args)
        two, returns_two, used = on_dask(2, *run_args)
        local, returns_local, _ = throughput(pools.ProcessPool(2), *run_args)
    same = np.array_equal(returns_one, returns_two) and np.array_equal(returns_two, returns_local)
    print("same returns on 1 and 2 Dask workers and 2 local processes:", bool(same))
    print("Dask workers that ran jobs:", len(used))
    title = (f"Rollout throughput, {args.episodes} episodes of <= {args.steps} steps "
             "(approximate: episodes that end early count as full)")
    rows = [("Dask, 1 worker", one), ("Dask, 2 workers", two), ("local, 2 processes", local)]
    ok = common.table(title, rows[:2], "steps/s", "Dask, 2 vs 1 workers", two / one, 1.7)
    ok = common.table(title, rows[1:], "steps/s", "Dask 2 workers vs 2 local processes",
                      two / local, 0.9) and ok
    return 0 if ok and same and len(used) == 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())

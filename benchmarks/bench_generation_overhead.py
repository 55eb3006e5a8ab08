"""ControllerSearch on Beam: one CMA-ES generation's overhead (wall time beyond the longest
worker's compute) against that compute, on a local Dask cluster of 2 worker processes, whose
workers live on between generations and keep V, M and their environments, and on Beam's
DirectRunner (multi_processing, 2 workers), which starts fresh workers for every generation.
Goal: overhead under 5% of the generation's compute (population 64, 1,000-step episodes).

Each runner's overhead is its generation's wall time minus its longest task's time inside a
worker (the same jobs and seeds on both). The DirectRunner's tasks also load V and M, which
counts as compute here, so its overhead is understated. Exits 1 when the Dask overhead is 5%
or more.

    .venv/bin/python benchmarks/bench_generation_overhead.py [--population 64] [--steps 1000]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import common
import numpy as np

GOAL = 0.05


def generation(pool, vae_dir: str, rnn_dir: str, args, params, warm: bool):
    """(wall seconds, longest task seconds in a worker, returns) of one generation."""
    from worldmodels.engine import episodes
    from worldmodels.engine.scorers import RealScorer

    with RealScorer(pool, "CarRacing-v3", args.steps, vae_dir, rnn_dir, args.envs) as scorer:
        if warm:  # as after the search's first generation: every worker holds V and M
            few = [episodes.Job(i, 10**6 + i) for i in range(pool.workers)]
            scorer.score(params[:pool.workers], few)
            while len(set(scorer.job_workers)) < pool.workers:
                scorer.score(params[:pool.workers], few)
        jobs = episodes.population_jobs(args.population, [0])
        start = time.perf_counter()
        returns = scorer.score(params, jobs)
        return time.perf_counter() - start, max(pool.last_seconds), returns


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--population", type=int, default=64)
    parser.add_argument("--steps", type=int, default=1000, help="episode length cap")
    parser.add_argument("--envs", type=int, default=32, help="environments per worker")
    args = parser.parse_args()
    os.environ.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")  # one core a worker
    from distributed import LocalCluster

    from worldmodels.runtime import pools

    params = np.random.default_rng(0).normal(0, 0.1, (args.population, 867)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        vae_dir, rnn_dir = common.untrained_world_model(tmp)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            dask = pools.BeamPool(["--runner=DaskRunner",
                                   f"--dask_client_address={cluster.scheduler_address}"])
            dask_wall, dask_task, dask_returns = generation(dask, vae_dir, rnn_dir, args,
                                                          params, warm=True)
        direct = pools.BeamPool(["--direct_running_mode=multi_processing",
                                 "--direct_num_workers=2"])
        direct_wall, direct_task, direct_returns = generation(direct, vae_dir, rnn_dir,
                                                              args, params, warm=False)
    print("same returns on both runners:", bool(np.array_equal(dask_returns, direct_returns)))
    print(f"\nOne generation, population {args.population} x 1 episode of <= {args.steps} steps, "
          "2 workers: wall time, longest task in a worker, overhead (wall - task)")
    for name, wall, task in (("Dask cluster (workers kept)", dask_wall, dask_task),
                             ("DirectRunner (fresh workers, task loads V and M)", direct_wall,
                              direct_task)):
        print(f"  {name:<50} {wall:7.1f} s {task:7.1f} s {wall - task:6.1f} s = "
              f"{(wall - task) / task:.1%} of the task")
    dask_ratio = (dask_wall - dask_task) / dask_task
    verdict = "meets" if dask_ratio < GOAL else "MISSES"
    print(f"  Dask overhead {dask_ratio:.1%} ({verdict} the goal of < {GOAL:.0%})")
    return 0 if dask_ratio < GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())

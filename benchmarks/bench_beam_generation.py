"""ControllerSearch on Beam: the wall time of one CMA-ES generation (every candidate's episodes
on Beam's DirectRunner in multi_processing mode, the pipeline's start-up included) with 2
workers vs 1. Floor: 1.6x.

    .venv/bin/python benchmarks/bench_beam_generation.py [--population 64] [--steps 1000]
"""
from __future__ import annotations

import argparse
import tempfile
import time

import common
import numpy as np


def generation_seconds(workers: int, vae_dir: str, rnn_dir: str, args) -> tuple[float, np.ndarray]:
    from worldmodels.engine import episodes
    from worldmodels.engine.scorers import RealScorer
    from worldmodels.runtime import pools

    pool = pools.BeamPool(["--direct_running_mode=multi_processing",
                           f"--direct_num_workers={workers}"])
    with RealScorer(pool, "CarRacing-v3", args.steps, vae_dir, rnn_dir, args.envs) as scorer:
        params = np.random.default_rng(0).normal(0, 0.1, (args.population, 867))
        jobs = episodes.population_jobs(args.population, list(range(args.episodes)))
        start = time.perf_counter()
        returns = scorer.score(params, jobs)
        return time.perf_counter() - start, returns


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--population", type=int, default=64)
    parser.add_argument("--episodes", type=int, default=1, help="episodes per candidate")
    parser.add_argument("--steps", type=int, default=1000, help="episode length cap")
    parser.add_argument("--envs", type=int, default=32, help="environments per worker")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        vae_dir, rnn_dir = common.untrained_world_model(tmp)
        one, returns_one = generation_seconds(1, vae_dir, rnn_dir, args)
        two, returns_two = generation_seconds(2, vae_dir, rnn_dir, args)
    print("same returns with 1 and 2 Beam workers:", bool(np.array_equal(returns_one, returns_two)))
    ok = common.table(f"One CMA-ES generation on Beam (population {args.population} x {args.episodes} "
                      f"episodes of <= {args.steps} steps)",
                      [("1 Beam worker", one), ("2 Beam workers", two)], "s", "speed-up", one / two, 1.6)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

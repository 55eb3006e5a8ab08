"""Scaling: ControllerSearch-style rollout throughput (V, M and C acting) with 2 worker
processes vs 1, the same jobs and seeds, pool start-up excluded. Floor: 1.7x.

    .venv/bin/python benchmarks/bench_scaling.py [--episodes 64] [--steps 300] [--envs 32]
"""
from __future__ import annotations

import argparse
import tempfile
import time

import common
import numpy as np


def throughput(workers: int, vae_dir: str, rnn_dir: str, args, params, jobs) -> tuple[float, np.ndarray]:
    from worldmodels.engine import episodes
    from worldmodels.engine.scorers import RealScorer
    from worldmodels.runtime import pools

    pool = pools.InProcess() if workers == 1 else pools.ProcessPool(workers)
    with RealScorer(pool, "CarRacing-v3", args.steps, vae_dir, rnn_dir, args.envs) as scorer:
        scorer.score(params[:workers], [episodes.Job(i, 10**6 + i) for i in range(workers)])
        start = time.perf_counter()
        returns = scorer.score(params, jobs)
        elapsed = time.perf_counter() - start
    return len(jobs) * args.steps / elapsed, returns


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=64)
    parser.add_argument("--steps", type=int, default=300, help="episode length cap")
    parser.add_argument("--envs", type=int, default=32, help="environments per worker")
    args = parser.parse_args()
    common.one_tf_thread()  # the in-process single worker gets one core, like each of the two
    from worldmodels.engine import episodes

    with tempfile.TemporaryDirectory() as tmp:
        vae_dir, rnn_dir = common.untrained_world_model(tmp)
        params = np.random.default_rng(0).normal(0, 0.1, (args.episodes, 867)).astype(np.float32)
        jobs = [episodes.Job(i, i) for i in range(args.episodes)]
        one, returns_one = throughput(1, vae_dir, rnn_dir, args, params, jobs)
        two, returns_two = throughput(2, vae_dir, rnn_dir, args, params, jobs)
    print("same returns with 1 and 2 workers:", bool(np.array_equal(returns_one, returns_two)))
    ok = common.table(f"Rollout throughput, {args.episodes} episodes of <= {args.steps} steps "
                      "(approximate: episodes that end early count as full)",
                      [("1 worker", one), ("2 workers", two)], "steps/s", "speed-up", two / one, 1.7)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

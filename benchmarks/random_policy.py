"""The random policy's score on a game: the baseline every report draws.

Uniformly random actions (gymnasium's `action_space.sample()`, seeded per episode) on stock
gymnasium CarRacing-v3 (`worldmodels.env.factory.make_env(fast=False)`), whole episodes (1,000
steps or leaving the playfield), or on DoomTakeCover through its adapter (a uniform value in
[-1, 1] a step: left, stay or right a third of the time each; episodes capped at 2,100), on the
Evaluator's default seeds, episodes spread over worker processes. Prints mean, std, median, IQM
and percentile-bootstrap 95% confidence intervals of the mean and the IQM. The means are
`worldmodels.inspect.visuals.REFERENCES`' random scores.

    .venv/bin/python benchmarks/random_policy.py [--env VizdoomTakeCover-v1] [--episodes 100]
"""
from __future__ import annotations

import argparse
import concurrent.futures
import functools
import os
import time

import common  # noqa: F401  (sets up the import path)
import numpy as np


def episode(env_id: str, seed: int) -> tuple[float, int]:
    """(return, steps) of one episode of uniformly random actions on seed `seed`."""
    from worldmodels.env.factory import make_env
    from worldmodels.games import game

    env = make_env(env_id, game(env_id).max_steps, fast=False)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    total, steps, done = 0.0, 0, False
    while not done:
        _, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        total, steps, done = total + float(reward), steps + 1, terminated or truncated
    env.close()
    return total, steps


def main() -> int:
    from worldmodels import scores, seeds

    parser = argparse.ArgumentParser()
    parser.add_argument("--env", default="CarRacing-v3", help="CarRacing-v3 or VizdoomTakeCover-v1")
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--seed", type=int, default=seeds.EVALUATOR_DEFAULT,
                        help="first track seed (default: the Evaluator's)")
    args = parser.parse_args()
    track_seeds = list(range(args.seed, args.seed + args.episodes))
    start = time.perf_counter()
    with concurrent.futures.ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(functools.partial(episode, args.env), track_seeds))
    seconds = time.perf_counter() - start
    returns = np.array([r for r, _ in results])
    steps = sum(s for _, s in results)
    s = scores.summarize(returns)
    low, high = scores.mean_confidence_interval(returns)
    print(f"random actions, {args.env}, {args.episodes} episodes (seeds {track_seeds[0]}.."
          f"{track_seeds[-1]}), {steps:,} steps in {seconds:.0f} s on {args.workers} worker(s)")
    print(f"  mean   {s['mean']:8.1f}  (95% CI {low:.1f} .. {high:.1f})")
    print(f"  std    {s['std']:8.1f}")
    print(f"  median {s['median']:8.1f}")
    print(f"  IQM    {s['iqm']:8.1f}  (95% CI {s['iqm_ci_low']:.1f} .. {s['iqm_ci_high']:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

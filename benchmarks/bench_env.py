"""Environment speed: steps/s of stock CarRacing-v3 vs worldmodels/FastCarRacing-v3 (whose
output is identical), one process pinned to one core, seeded random actions, whole episodes
(seeds 0, 1, ...; their resets are counted). The two step in lockstep, each call timed on its
own, so load from other processes falls on both alike. Floor: 2.0.

    .venv/bin/python benchmarks/bench_env.py [--steps 4000]
"""
from __future__ import annotations

import argparse
import os
import time

import common  # noqa: F401  (sets up the import path)
import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=4000, help="steps per environment")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import gymnasium as gym

    from worldmodels.env.fast_car_racing import ENV_ID, register

    register()
    envs = {"stock CarRacing-v3": gym.make("CarRacing-v3"), ENV_ID: gym.make(ENV_ID)}
    seconds = dict.fromkeys(envs, 0.0)

    def timed(name, call, *args, **kwargs):
        start = time.perf_counter()
        out = call(*args, **kwargs)
        seconds[name] += time.perf_counter() - start
        return out

    for env in envs.values():  # warm-up: pygame's first font and surface setup
        env.reset(seed=0)
    episodes, done = 0, True
    for _ in range(args.steps):
        if done:  # same seed and actions, same output: both episodes end at the same step
            rng = np.random.default_rng(episodes)
            for name, env in envs.items():
                timed(name, env.reset, seed=episodes)
            episodes += 1
        action = rng.uniform([-1, 0, 0], [1, 1, 1]).astype(np.float32)
        for name, env in envs.items():
            _, _, terminated, truncated, _ = timed(name, env.step, action)
        done = terminated or truncated
    for env in envs.values():
        env.close()

    rates = {name: args.steps / s for name, s in seconds.items()}
    stock, fast = rates.values()
    print(f"{args.steps} steps each in {episodes} episode(s), random actions, one core")
    ok = common.table("CarRacing-v3 env.step + reset throughput", list(rates.items()), "steps/s",
                      "fast / stock", fast / stock, 2.0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

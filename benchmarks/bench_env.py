"""Environment speed: steps/s of stock CarRacing-v3 vs worldmodels/FastCarRacing-v3 (whose
output is identical), one process pinned to one core, seeded random actions, whole episodes
(seeds 0, 1, ...; their resets are counted). The two step in lockstep, each call timed on its
own, so load from other processes falls on both alike. Floor: 2.0.

With --profile, where FastCarRacing's step goes instead (cProfile, the same actions): the
physics and game logic, then the renderer's parts: road and grass polygons, the car, the
vertical flip, the dashboard, the scale-down to 96x96 with its copy to an array.

    .venv/bin/python benchmarks/bench_env.py [--steps 4000] [--profile]
"""
from __future__ import annotations

import argparse
import os
import time

import common  # noqa: F401  (sets up the import path)
import numpy as np

# The renderer's parts: (label, file name, function name) of the calls whose cumulative time
# each is; the physics is the step's time less the renderer's.
PARTS = [("road and grass polygons", "fast_car_racing.py", "_render_road"),
         ("the car", "car_dynamics.py", "draw"),
         ("vertical flip", "fast_car_racing.py", "flip_rows"),
         ("dashboard", "car_racing.py", "_render_indicators"),
         ("scale-down to 96x96 and array copy", "car_racing.py", "_create_image_array")]


def profile(env, steps: int) -> None:
    """Prints each part's share of `steps` FastCarRacing steps (resets left out)."""
    import cProfile
    import pstats

    rng, done, episodes = np.random.default_rng(0), True, 0
    profiler = cProfile.Profile()
    for _ in range(steps):
        if done:
            env.reset(seed=episodes)
            episodes += 1
        action = rng.uniform([-1, 0, 0], [1, 1, 1]).astype(np.float32)
        profiler.enable()
        _, _, terminated, truncated, _ = env.step(action)
        profiler.disable()
        done = terminated or truncated
    cumulative = {(os.path.basename(f), name): row[3]
                  for (f, _, name), row in pstats.Stats(profiler).stats.items()}
    step = cumulative[("car_racing.py", "step")]
    render = cumulative[("fast_car_racing.py", "_render")]
    rows = [("physics and game logic", step - render)]
    rows += [(label, cumulative[(f, name)]) for label, f, name in PARTS]
    rows.append(("rest of the renderer (font, surfaces)", render - sum(t for _, t in rows[1:])))
    print(f"\nWhere FastCarRacing's step goes ({steps} steps, cProfile, "
          f"{steps / step:.0f} steps/s under the profiler)")
    for label, seconds in rows:
        print(f"  {label:<40} {100 * seconds / step:5.1f}%  {1e3 * seconds / steps:6.3f} ms")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=4000, help="steps per environment")
    parser.add_argument("--profile", action="store_true", help="FastCarRacing's step, by part")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    import gymnasium as gym

    from worldmodels.env.fast_car_racing import ENV_ID, register

    register()
    if args.profile:
        profile(gym.make(ENV_ID).unwrapped, args.steps)
        return 0
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

"""DoomTakeCover's speed, two ratios:

1. The project's adapter (env.doom: Box screens, left/stay/right from one value, the last real
   screen at the end) against VizDoom's own `VizdoomTakeCover-v1` at the same 160x120, in one
   process pinned to one core, the same random choices on the same seeds, the two stepped in
   lockstep with each call timed on its own. Floor: 0.9.
2. RolloutGen's explorer episodes (collected, preprocessed and written as RLDS) on 2 worker
   processes against 1, the same seeds (the datasets' steps equal). Floor: 1.7.

    .venv/bin/python benchmarks/bench_doom.py [--steps 20000] [--episodes 40]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import common
import numpy as np


def adapter_vs_raw(steps: int) -> tuple[float, float]:
    """(raw steps/s, adapter steps/s) over `steps` steps each."""
    from worldmodels.env import doom
    from worldmodels.env.factory import make_env

    raw = doom.raw_env()  # VizDoom's own environment, started in its own folder
    ours = make_env(doom.ENV_ID, max_steps=10**9)
    seconds = {"raw": 0.0, "ours": 0.0}
    rng = np.random.default_rng(0)
    buttons = {-1.0: doom.LEFT, 0.0: doom.STAY, 1.0: doom.RIGHT}

    def timed(name, call, *args, **kwargs):
        start = time.perf_counter()
        out = call(*args, **kwargs)
        seconds[name] += time.perf_counter() - start
        return out

    episode, done_raw, done_ours = 0, True, True
    for _ in range(steps):
        if done_raw or done_ours:
            timed("raw", raw.reset, seed=episode)
            timed("ours", ours.reset, seed=episode)
            episode += 1
        choice = float(rng.integers(-1, 2))
        done_raw = any(timed("raw", raw.step, buttons[choice])[2:4])
        done_ours = any(timed("ours", ours.step, np.array([choice], np.float32))[2:4])
    raw.close()
    ours.close()
    return steps / seconds["raw"], steps / seconds["ours"]


def rollouts(workers: int, episodes: int) -> tuple[float, int]:
    """(steps/s, steps) of RolloutGen on `workers` processes."""
    from worldmodels import config
    from worldmodels.data import rlds
    from worldmodels.stages import rollout_gen

    cfg = config.DOOM_PAPER.replace(rollouts={
        "train_episodes": episodes, "eval_episodes": 2, "episodes_per_shard": 5,
        "workers": workers, "min_steps": 1})
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        rollout_gen.run(cfg, os.path.join(tmp, "rollouts"))
        seconds = time.perf_counter() - start
        steps = sum(rlds.split_counts(os.path.join(tmp, "rollouts"), s)[1] for s in rlds.SPLITS)
    return steps / seconds, steps


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=20_000, help="steps per environment")
    parser.add_argument("--episodes", type=int, default=40, help="train episodes collected")
    args = parser.parse_args()
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if affinity:
        os.sched_setaffinity(0, {min(affinity)})
    raw, ours = adapter_vs_raw(args.steps)
    ok = common.table("DoomTakeCover at 160x120, random choices, one core",
                      [("VizDoom's VizdoomTakeCover-v1", raw), ("env.doom adapter", ours)],
                      "steps/s", "ratio adapter/raw", ours / raw, 0.9)
    if affinity:
        os.sched_setaffinity(0, affinity)
    one, steps_one = rollouts(1, args.episodes)
    two, steps_two = rollouts(2, args.episodes)
    assert steps_one == steps_two, (steps_one, steps_two)
    ok &= common.table(f"RolloutGen on DoomTakeCover, {args.episodes} + 2 explorer episodes "
                       f"({steps_one:,} steps), written as RLDS",
                       [("1 worker process", one), ("2 worker processes", two)],
                       "steps/s", "ratio 2 workers/1", two / one, 1.7)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

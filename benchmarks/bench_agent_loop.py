"""Agent in the loop: ControllerSearch's environment steps/s with V, M and C acting (one
batched model call per step for all environments) vs bare steps/s of the same environments
with random actions, both on one core. Floor: 0.8.

    .venv/bin/python benchmarks/bench_agent_loop.py [--envs 64] [--steps 300] [--episodes 128]
"""
from __future__ import annotations

import argparse
import tempfile
import time

import common  # noqa: F401  (sets up the import path)
import numpy as np


def bare_steps_per_s(envs, seeds, rng) -> float:
    steps, start = 0, time.perf_counter()
    for i in range(0, len(seeds), len(envs)):
        batch = seeds[i:i + len(envs)]
        for env, seed in zip(envs, batch):
            env.reset(seed=seed)
        live = list(range(len(batch)))
        while live:
            actions = rng.uniform([-1, 0, 0], [1, 1, 1], size=(len(live), 3)).astype(np.float32)
            still = []
            for a, k in zip(actions, live):
                _, _, terminated, truncated, _ = envs[k].step(a)
                steps += 1
                if not (terminated or truncated):
                    still.append(k)
            live = still
    return steps / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--envs", type=int, default=64)
    parser.add_argument("--steps", type=int, default=300, help="episode length cap")
    parser.add_argument("--episodes", type=int, default=128)
    args = parser.parse_args()
    common.one_tf_thread()
    from worldmodels.engine import episodes
    from worldmodels.engine.policies import WorldModel
    from worldmodels.env import car_racing
    from worldmodels.env.factory import make_env
    from worldmodels.games import CAR_RACING_GAME
    from worldmodels.export import serving

    with tempfile.TemporaryDirectory() as tmp:
        vae_dir, rnn_dir = common.untrained_world_model(tmp)
        model = WorldModel(serving.load(vae_dir), serving.load(rnn_dir), CAR_RACING_GAME)
        envs = [make_env(max_steps=args.steps) for _ in range(args.envs)]
        seeds = list(range(args.episodes))
        rng = np.random.default_rng(0)
        params = rng.normal(0, 0.1, (args.episodes, 867)).astype(np.float32)
        jobs = [episodes.Job(i, s) for i, s in enumerate(seeds)]
        episodes.play_jobs(envs[:2], model.policy(params[:2]), jobs[:2])  # trace the model once
        bare = bare_steps_per_s(envs, seeds, rng)
        start = time.perf_counter()
        played = episodes.play_jobs(envs, model.policy(params), jobs)
        loop = played.steps.sum() / (time.perf_counter() - start)
    ok = common.table(f"Agent in the loop ({args.envs} environments, {car_racing.ENV_ID} via "
                      "make_env, one core)",
                      [("bare environment, random actions", bare),
                       ("V + M + C acting (ControllerSearch)", loop)],
                      "steps/s", "ratio agent/bare", loop / bare, 0.8)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

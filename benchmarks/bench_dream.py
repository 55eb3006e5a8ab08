"""Dream vs real: model steps/s of a population's dreams in M (64 candidates x 16 dreams, one
batched LSTM step and mixture sample per time step) against agent-in-the-loop steps/s in the
real CarRacing-v3 (64 environments, V + M + C acting), both on one core as in a worker.
The ratio is how many dream steps one real step buys. Exits 1 below the floor.

    .venv/bin/python benchmarks/bench_dream.py [--population 64] [--dreams 16] [--steps 200]
"""
from __future__ import annotations

import argparse
import tempfile
import time

import common  # noqa: F401  (sets up the import path)
import numpy as np

FLOOR = 100.0  # a dream step must cost at most 1% of a real one


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--population", type=int, default=64)
    parser.add_argument("--dreams", type=int, default=16, help="dreams per candidate")
    parser.add_argument("--steps", type=int, default=200, help="steps per dream and episode")
    parser.add_argument("--envs", type=int, default=64, help="real environments per worker")
    args = parser.parse_args()
    common.one_tf_thread()
    from worldmodels.engine import dream, episodes
    from worldmodels.engine.policies import WorldModel
    from worldmodels.env.factory import make_env
    from worldmodels.games import CAR_RACING_GAME
    from worldmodels.export import serving

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        vae_dir, rnn_dir = common.untrained_world_model(tmp)
        rnn = serving.load(rnn_dir)
        z_size, hidden = int(rnn.z_size), int(rnn.hidden_units)
        dim = z_size + hidden
        params = rng.normal(0, 0.1, (args.population, dim * 3 + 3)).astype(np.float32)
        zeros = np.zeros((100, hidden), np.float32)  # M's state where a real episode begins
        starts = dream.Starts(rng.normal(size=(100, z_size)).astype(np.float32), zeros,
                              zeros.copy())

        dreams = dream.DreamPolicy(rnn, CAR_RACING_GAME)
        rows = np.repeat(params, args.dreams, axis=0)
        seeds = list(range(len(rows)))
        dreams.returns(rows[:2], seeds[:2], starts, 2, 1.0)  # trace once
        start = time.perf_counter()
        lengths = dreams.play(rows, seeds, starts, args.steps, 1.0)[1]
        dream_rate = lengths.sum() / (time.perf_counter() - start)  # steps dreamt, ends included

        model = WorldModel(serving.load(vae_dir), rnn, CAR_RACING_GAME)
        envs = [make_env(max_steps=args.steps) for _ in range(args.envs)]
        jobs = [episodes.Job(i % args.population, i) for i in range(args.envs)]
        episodes.play_jobs(envs[:2], model.policy(params), jobs[:2])  # trace once
        start = time.perf_counter()
        played = episodes.play_jobs(envs, model.policy(params), jobs)
        real_rate = played.steps.sum() / (time.perf_counter() - start)
    ok = common.table(
        f"Dream vs real, one core ({args.population} candidates x {args.dreams} dreams; "
        f"{args.envs} real environments; {args.steps} steps each)",
        [("dream: M + C, batched over the population", dream_rate),
         ("real: CarRacing-v3 + V + M + C (ControllerSearch)", real_rate)],
        "steps/s", "ratio dream/real", dream_rate / real_rate, FLOOR)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Where a ControllerSearch generation's time goes, on one worker (one core, 64 environments,
as each worker process runs its share): the environment's step (Box2D physics and the
renderer), the batched model call split into V (crop, resize, encode), C and M by timing each
part alone on the same batch, the engine's own bookkeeping, and the transfer of a task and its
result between processes (pickling, as multiprocessing does). Then the same jobs with the
search's stuck-episode cutoff (controller.stuck_steps) against whole episodes: the cutoff's
share of environment steps saved, and whether the surviving episodes' returns are unchanged.

    .venv/bin/python benchmarks/bench_search_profile.py [--envs 64] [--episodes 64] [--steps 1000]
"""
from __future__ import annotations

import argparse
import pickle
import tempfile
import time

import common
import numpy as np


class Timed:
    """Wraps a callable and adds its wall time to `totals[name]`."""

    def __init__(self, fn, totals: dict, name: str):
        self.fn, self.totals, self.name = fn, totals, name

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.totals[self.name] = self.totals.get(self.name, 0.0) + time.perf_counter() - start


class TimedPolicy:
    """A batched policy of the episode loop whose `act` (the model call) is Timed."""

    def __init__(self, policy, totals: dict, name: str):
        self.reset, self.begin = policy.reset, policy.begin
        self.act = Timed(policy.act, totals, name)


def model_split(vae, rnn, batch: int, repeats: int = 30) -> dict:
    """Seconds per call of V (preprocess + encode), C and M alone, on `batch` environments."""
    import tensorflow as tf

    from worldmodels.games import CAR_RACING_GAME
    from worldmodels.models import controller, world_model

    rng = np.random.default_rng(0)
    frames = tf.constant(rng.integers(0, 256, (batch, 96, 96, 3), dtype=np.uint8))
    hid = int(rnn.hidden_units)
    h = c = tf.zeros([batch, hid])
    w, b = controller.unflatten(rng.normal(0, 0.1, (batch, 867)).astype(np.float32), 32 + hid)
    mu = tf.zeros([batch, 32])
    action = tf.zeros([batch, 3])
    parts = {
        "V (crop, resize, encode)": tf.function(
            lambda f: vae.encode(world_model.preprocess(f, CAR_RACING_GAME.frames))["mu"]),
        "C (tanh(W [z, h] + b))": tf.function(lambda m, h: controller.act(m, h, w, b)),
        "M (one LSTM step + mixture)": tf.function(lambda m, a, h, c: rnn.step(m, a, h, c)["h"]),
    }
    args = {"V (crop, resize, encode)": (frames,), "C (tanh(W [z, h] + b))": (mu, h),
            "M (one LSTM step + mixture)": (mu, action, h, c)}
    out = {}
    for name, fn in parts.items():
        fn(*args[name])
        start = time.perf_counter()
        for _ in range(repeats):
            fn(*args[name])
        out[name] = (time.perf_counter() - start) / repeats
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--envs", type=int, default=64)
    parser.add_argument("--episodes", type=int, default=64)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--stuck-steps", type=int, default=100)
    args = parser.parse_args()
    common.one_tf_thread()
    from worldmodels.engine import episodes
    from worldmodels.engine.policies import WorldModel
    from worldmodels.env.factory import make_env
    from worldmodels.games import CAR_RACING_GAME
    from worldmodels.export import serving

    with tempfile.TemporaryDirectory() as tmp:
        vae_dir, rnn_dir = common.untrained_world_model(tmp)
        vae, rnn = serving.load(vae_dir), serving.load(rnn_dir)
        model = WorldModel(vae, rnn, CAR_RACING_GAME)
        envs = [make_env(max_steps=args.steps) for _ in range(args.envs)]
        rng = np.random.default_rng(0)
        params = rng.normal(0, 0.1, (args.episodes, 867)).astype(np.float32)
        policy = model.policy(params)
        jobs = [episodes.Job(i, 10_000 + i) for i in range(args.episodes)]
        episodes.play_jobs(envs[:2], policy, jobs[:2])  # trace once

        totals: dict = {}
        for env in envs:
            env.step = Timed(env.step, totals, "environment step")
            env.reset = Timed(env.reset, totals, "environment reset")
        timed_policy = TimedPolicy(policy, totals, "model call")
        start = time.perf_counter()
        played = episodes.play_jobs(envs, timed_policy, jobs)
        wall = time.perf_counter() - start
        full, lengths = played.returns, played.steps
        calls = int(np.ceil(lengths.sum() / args.envs))
        task = pickle.dumps((params, jobs))
        start = time.perf_counter()
        for _ in range(100):
            pickle.loads(pickle.dumps((params, jobs)))
            pickle.loads(pickle.dumps((full, lengths)))
        transfer = (time.perf_counter() - start) / 100
        split = model_split(vae, rnn, args.envs)
        model_parts = sum(split.values())
        rows = [(name, totals[name]) for name in ("environment step", "environment reset")]
        rows += [(f"  of the model call: {name}", totals["model call"] * t / model_parts)
                 for name, t in split.items()]
        rows.append(("engine bookkeeping (the rest)", wall - sum(totals.values())))
        rows.append((f"transfer: task ({len(task) // 1024} KiB) and result, pickled", transfer))
        print(f"\nOne worker, {args.envs} environments, {args.episodes} episodes, "
              f"{int(lengths.sum())} steps in {wall:.1f} s (~{calls} batched model calls)")
        for name, seconds in rows:
            print(f"  {name:<44} {seconds:8.2f} s  {100 * seconds / wall:5.1f}%")

        for env in envs:
            del env.step, env.reset
        patient = [episodes.Job(j.params_index, j.seed, args.stuck_steps) for j in jobs]
        start = time.perf_counter()
        played = episodes.play_jobs(envs, policy, patient)
        cut_wall = time.perf_counter() - start
        cut, cut_lengths = played.returns, played.steps
        whole = cut_lengths == lengths
        ok = common.table(f"Stuck-episode cutoff after {args.stuck_steps} steps without a new tile "
                          f"(same {args.episodes} episodes)",
                          [("environment steps, whole episodes", float(lengths.sum())),
                           ("environment steps, with the cutoff", float(cut_lengths.sum())),
                           ("wall time, whole episodes (s)", wall),
                           ("wall time, with the cutoff (s)", cut_wall),
                           ("episodes cut", float((~whole).sum())),
                           ("max |return change| of uncut episodes", float(np.abs(cut - full)[whole].max(initial=0))),
                           ("mean return change of cut episodes", float((cut - full)[~whole].mean()) if (~whole).any() else 0.0)],
                          "", "speed-up (wall)", wall / cut_wall, 1.0)
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

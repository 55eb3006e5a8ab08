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


def model_split(vision, memory, batch: int, repeats: int = 30) -> dict:
    """Seconds per call of V (preprocess + encode), C and M alone, on `batch` environments."""
    import tensorflow as tf

    from worldmodels import agent
    from worldmodels.models import controller

    rng = np.random.default_rng(0)
    frames = tf.constant(rng.integers(0, 256, (batch, 96, 96, 3), dtype=np.uint8))
    hid = int(memory.hidden_units)
    h = c = tf.zeros([batch, hid])
    w, b = controller.unflatten(rng.normal(0, 0.1, (batch, 867)).astype(np.float32), 32 + hid)
    mu = tf.zeros([batch, 32])
    action = tf.zeros([batch, 3])
    parts = {
        "V (crop, resize, encode)": tf.function(lambda f: vision.encode(agent.preprocess(f))["mu"]),
        "C (tanh(W [z, h] + b))": tf.function(lambda m, h: controller.act(m, h, w, b)),
        "M (one LSTM step + mixture)": tf.function(lambda m, a, h, c: memory.step(m, a, h, c)["h"]),
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
    from worldmodels import agent, env as envlib, rollout_engine, serving

    with tempfile.TemporaryDirectory() as tmp:
        vision_dir, memory_dir = common.untrained_world_model(tmp)
        vision, memory = serving.load(vision_dir), serving.load(memory_dir)
        policy = agent.PopulationPolicy(vision, memory)
        envs = [envlib.make_env(max_steps=args.steps) for _ in range(args.envs)]
        rng = np.random.default_rng(0)
        params = rng.normal(0, 0.1, (args.episodes, 867)).astype(np.float32)
        jobs = [rollout_engine.Job(i, 10_000 + i) for i in range(args.episodes)]
        rollout_engine.run_jobs(policy, params[:2], jobs[:2], envs[:2])  # trace once

        totals: dict = {}
        for env in envs:
            env.step = Timed(env.step, totals, "environment step")
            env.reset = Timed(env.reset, totals, "environment reset")
        timed_policy = Timed(policy, totals, "model call")
        timed_policy.initial_state = policy.initial_state
        lengths = np.zeros(len(jobs), np.int64)
        start = time.perf_counter()
        full = rollout_engine.run_jobs(timed_policy, params, jobs, envs, lengths=lengths)
        wall = time.perf_counter() - start
        calls = int(np.ceil(lengths.sum() / args.envs))
        task = pickle.dumps((params, jobs))
        start = time.perf_counter()
        for _ in range(100):
            pickle.loads(pickle.dumps((params, jobs)))
            pickle.loads(pickle.dumps((full, lengths)))
        transfer = (time.perf_counter() - start) / 100
        split = model_split(vision, memory, args.envs)
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
        cut_lengths = np.zeros(len(jobs), np.int64)
        patient = [rollout_engine.Job(j.params_index, j.seed, args.stuck_steps) for j in jobs]
        start = time.perf_counter()
        cut = rollout_engine.run_jobs(policy, params, patient, envs, lengths=cut_lengths)
        cut_wall = time.perf_counter() - start
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

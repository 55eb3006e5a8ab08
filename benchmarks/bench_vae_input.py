"""V training input: images/s training V from the Rollouts TFRecord artifact (the real reader:
PNG decode, interleave across episodes, shuffle) vs the same training steps on frames already
in memory (floor: 0.9), and peak memory of the streamed run when the dataset grows 10x (should
stay flat). Real CarRacing-v3 episodes are collected once and written repeatedly under new
episode ids to make the two dataset sizes.

    .venv/bin/python benchmarks/bench_vae_input.py [--batches 60] [--batch-size 100]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import common  # noqa: F401

HERE = os.path.abspath(__file__)


def write_dataset(directory: str, episodes: list, copies: int) -> int:
    from worldmodels.data import rlds

    frames = 0
    with rlds.DatasetWriter(directory, rlds.rollouts_config(), ["train", "eval"], 20) as writer:
        for i in range(copies):
            for j, ep in enumerate(episodes):
                writer.add("train", [rlds.episode_example(ep, i * len(episodes) + j)])
                frames += ep.length + 1
        writer.add("eval", [rlds.episode_example(episodes[0], 0)])
    return frames


def train_images_per_s(batches, steps: int, batch_size: int) -> float:
    """Times `steps` V training steps drawn from `batches` after two warm-up steps."""
    import keras
    import tensorflow as tf

    from worldmodels.models.vae import ConvVAE, vae_loss

    keras.utils.set_random_seed(0)
    model, optimizer = ConvVAE(), keras.optimizers.Adam(1e-4)

    @tf.function
    def step(images):
        with tf.GradientTape() as tape:
            recon, mu, logvar = model(images, tf.random.normal([tf.shape(images)[0], 32]))
            loss, _, _ = vae_loss(images, recon, mu, logvar, 0.5)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    it = iter(batches)
    for _ in range(2):
        step(next(it))
    start = time.perf_counter()
    for _ in range(steps):
        step(next(it))
    return steps * batch_size / (time.perf_counter() - start)


def streamed(directory: str, args) -> dict:
    """One measurement in this process: the real reader feeding training; peak RSS."""
    import resource

    from worldmodels.data import readers

    frames, _ = readers.vae_frames(directory, "train", args.batch_size, seed=0,
                                   shuffle_buffer=args.shuffle_buffer, interleave_episodes=16)
    rate = train_images_per_s(frames.repeat(), args.batches, args.batch_size)
    return {"images_per_s": rate, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_memory(directory: str, args) -> float:
    import numpy as np
    import tensorflow as tf

    from worldmodels.data import rlds

    obs = np.concatenate([ep["steps"]["observation"] for ep in rlds.read_episode_arrays(directory, "train")])
    need = (args.batches + 2) * args.batch_size
    obs = np.resize(obs, (need,) + obs.shape[1:]).astype(np.float32) / 255.0
    tensors = [tf.constant(obs[i:i + args.batch_size]) for i in range(0, need, args.batch_size)]
    return train_images_per_s(tensors, args.batches, args.batch_size)


def child(directory: str, args) -> dict:
    out = subprocess.run([sys.executable, HERE, "--child", directory, "--batches", str(args.batches),
                          "--batch-size", str(args.batch_size), "--shuffle-buffer",
                          str(args.shuffle_buffer)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=60)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--shuffle-buffer", type=int, default=2000)
    parser.add_argument("--episodes", type=int, default=4)
    parser.add_argument("--steps", type=int, default=250, help="steps per collected episode")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(streamed(args.child, args)))
        return
    from worldmodels.engine.episodes import collect_episodes
    from worldmodels.env.explore import Explorer
    from worldmodels.env.factory import make_env
    from worldmodels.games import CAR_RACING_GAME

    env = make_env(max_steps=args.steps)
    episodes = []
    collect_episodes(env, CAR_RACING_GAME, Explorer(), list(range(args.episodes)), lambda i, e: episodes.append(e))
    with tempfile.TemporaryDirectory() as tmp:
        small, large = os.path.join(tmp, "x1"), os.path.join(tmp, "x10")
        n_small = write_dataset(small, episodes, 3)
        n_large = write_dataset(large, episodes, 30)
        memory_rate = in_memory(small, args)
        one, ten = child(small, args), child(large, args)
    ok = common.table(f"V training, batch {args.batch_size}, {args.batches} timed steps",
                      [("frames already in memory (images/s)", memory_rate),
                       (f"streamed from TFRecord, {n_small} frames (images/s)", one["images_per_s"])],
                      "", "ratio streamed/in-memory", one["images_per_s"] / memory_rate, 0.9)
    print(f"  peak memory streaming {n_small} frames: {one['peak_rss_mb']:.0f} MB; "
          f"{n_large} frames: {ten['peak_rss_mb']:.0f} MB "
          f"(ratio {ten['peak_rss_mb'] / one['peak_rss_mb']:.2f} for 10x the data)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

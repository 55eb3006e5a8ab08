"""V as a VAE vs as a VAE/GAN, trained on the same rollouts for the same number of steps:
eval-split pixel MSE, sharpness of the reconstructions (variance of the Laplacian relative to
the real frames', 1.0 = as sharp as the real ones), and training images/s.

    .venv/bin/python benchmarks/bench_vae_kinds.py [--episodes 12] [--steps 200] [--train-steps 150]
"""
from __future__ import annotations

import argparse
import tempfile
import time

import common  # noqa: F401
import numpy as np

LAPLACIAN = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], np.float32)


def laplacian_variance(images: np.ndarray) -> float:
    """Mean over images of the variance of the Laplacian of the grey image."""
    grey = images.mean(axis=-1)
    lap = sum(LAPLACIAN[i, j] * grey[:, i:i + grey.shape[1] - 2, j:j + grey.shape[2] - 2]
              for i in range(3) for j in range(3))
    return float(lap.reshape(len(images), -1).var(axis=1).mean())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--episodes", type=int, default=12)
    parser.add_argument("--steps", type=int, default=200, help="steps per collected episode")
    parser.add_argument("--train-steps", type=int, default=150)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    from worldmodels import config as configlib
    from worldmodels.data import readers
    from worldmodels.stages import rollout_gen
    from worldmodels.training import vae_train

    cfg = configlib.TINY.replace(
        env={"max_steps": args.steps},
        rollouts={"train_episodes": args.episodes, "eval_episodes": 2, "episodes_per_shard": 4},
        vae={"epochs": 1000, "max_steps": args.train_steps, "batch_size": args.batch_size,
             "shuffle_buffer": 5000, "checkpoint_every": 10**9})
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rollouts = f"{tmp}/rollouts"
        rollout_gen.run(cfg, rollouts)
        real, _ = readers.vae_frames(rollouts, "eval", 256, seed=None, drop_remainder=False)
        real = np.concatenate([b.numpy() for b in real])
        for kind in ("vae", "vae_gan"):
            kcfg = cfg.replace(vae={"kind": kind})
            start = time.perf_counter()
            result = vae_train.train_vae(rollouts, kcfg.vae, kcfg.seed, f"{tmp}/{kind}")
            seconds = time.perf_counter() - start
            mu, _ = result.model.encode(real)
            recon = result.model.decode(mu).numpy()
            rows.append((kind, float(np.mean((recon - real) ** 2)),
                         laplacian_variance(recon) / laplacian_variance(real),
                         args.train_steps * args.batch_size / seconds))
    print(f"\nV kinds, {args.train_steps} steps of batch {args.batch_size} on {args.episodes} "
          f"episodes of {args.steps} steps; evaluated on {len(real)} eval frames")
    print(f"  {'kind':8} {'pixel MSE':>10} {'sharpness':>10} {'images/s':>10}")
    for kind, mse, sharp, rate in rows:
        print(f"  {kind:8} {mse:10.5f} {sharp:10.3f} {rate:10.1f}")


if __name__ == "__main__":
    main()

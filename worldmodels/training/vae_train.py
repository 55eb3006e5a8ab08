"""Training V: Adam on the KL-tolerant VAE loss, streaming frames from the Rollouts artifact.

Checkpoints (model, optimizer, step) every `checkpoint_every` batches and at each epoch's end
in `checkpoint_dir`; a restarted run resumes from the newest one at the same batch, and goes on
exactly as an uninterrupted run: each epoch's frame order is a function of (seed, epoch) and
each batch's sampling noise of (seed, batch).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from worldmodels.config import VAEConfig
from worldmodels.data import readers, rlds
from worldmodels.models.vae import ConvVAE, kl_divergence, sample, vae_loss
from worldmodels.progress import Progress
from worldmodels.training import checkpoints


@dataclass
class VAEResult:
    model: ConvVAE
    steps: int
    train_loss: float
    eval_reconstruction_loss: float  # mean per-image summed squared error on the eval split
    eval_kl_loss: float


class VAESteps:
    """The paper's VAE: one Adam optimizer on the KL-tolerant loss."""

    def __init__(self, cfg: VAEConfig):
        self.model = ConvVAE(cfg.z_size, cfg.precision)
        self.optimizers = {"optimizer": keras.optimizers.Adam(cfg.learning_rate)}
        self.kl_tolerance = cfg.kl_tolerance

    @tf.function
    def step(self, images, noise):
        """One update; returns ({loss name: value}, reconstructions, z). 'total' is checked."""
        model, optimizer = self.model, self.optimizers["optimizer"]
        with tf.GradientTape() as tape:
            recon, mu, logvar = model(images, noise, training=True)
            total, r_loss, kl_loss = vae_loss(images, recon, mu, logvar, self.kl_tolerance)
        grads = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        z = sample(mu, logvar, noise)
        return {"total": total, "reconstruction": r_loss, "kl": kl_loss}, recon, z


def make_steps(cfg: VAEConfig):
    if cfg.kind == "vae_gan":
        from worldmodels.training.vae_gan_train import VAEGANSteps

        return VAEGANSteps(cfg)
    return VAESteps(cfg)


def train_vae(rollouts_dir: str, cfg: VAEConfig, seed: int, checkpoint_dir: str,
              log_dir: str | None = None, evaluate: bool = True, warm_start: str | None = None,
              earlier: tuple[str, ...] = ()) -> VAEResult:
    """Trains V (`cfg.kind`: vae or vae_gan) on the train split and, unless `evaluate` is
    False (the eval losses are then NaN), evaluates it on the eval split. A later round's V
    starts from `warm_start` (an exported V's SavedModel) and learns from the `earlier`
    datasets' frames too (readers.vae_frames' `more`)."""
    frames = sum(sum(rlds.split_counts(d, "train")) for d in (rollouts_dir, *earlier))
    if frames < cfg.batch_size:  # T + 1 frames an episode
        raise ValueError(f"vae.batch_size: {cfg.batch_size} is more than the {frames} frames "
                         f"in {rollouts_dir}'s train split")
    per_epoch = frames // cfg.batch_size
    keras.utils.set_random_seed(seed)
    trainer = make_steps(cfg)
    step = tf.Variable(0, dtype=tf.int64, trainable=False)
    ckpt = tf.train.Checkpoint(model=trainer.model, step=step, **trainer.optimizers)
    manager = tf.train.CheckpointManager(ckpt, checkpoint_dir, max_to_keep=2)
    if not checkpoints.restore_newest(ckpt, manager) and warm_start:
        load_exported_weights(trainer.model, warm_start)
    writer = tf.summary.create_file_writer(log_dir) if log_dir else None
    total_steps = per_epoch * cfg.epochs
    if cfg.max_steps:
        total_steps = min(total_steps, cfg.max_steps)
    loss = float("nan")
    with Progress(f"V ({cfg.kind})", total_steps, "batch") as bar:
        bar.update(int(step.numpy()))
        epoch = int(step.numpy()) // per_epoch
        while step.numpy() < total_steps:
            frames, files = readers.vae_frames(
                rollouts_dir, "train", cfg.batch_size, seed=seed + epoch,
                shuffle_buffer=cfg.shuffle_buffer, interleave_episodes=cfg.interleave_episodes,
                more=earlier)
            done_in_epoch = int(step.numpy()) - epoch * per_epoch
            for images in rlds.checked(frames.take(per_epoch).skip(done_in_epoch), files):
                noise = np.random.default_rng([seed, int(step.numpy())]).standard_normal(
                    (images.shape[0], cfg.z_size)).astype(np.float32)
                losses, recon, z = trainer.step(images, noise)
                step.assign_add(1)
                loss = float(losses["total"])
                n = int(step.numpy())
                if not math.isfinite(loss):
                    raise checkpoints.diverged(f"vae ({cfg.kind})", loss, n, manager)
                if writer and (n % 10 == 0 or n == 1):
                    with writer.as_default(step=n):
                        for name, value in losses.items():
                            tf.summary.scalar(f"loss/{name}", value)
                if writer and n % 200 == 1:
                    with writer.as_default(step=n):
                        tf.summary.image("real_vs_reconstruction",
                                         tf.concat([images[:4], recon[:4]], axis=2), max_outputs=4)
                        tf.summary.histogram("z", z)
                bar.update(1, loss=loss)
                if n % cfg.checkpoint_every == 0:
                    manager.save(checkpoint_number=n)
                if n >= total_steps:
                    break
            epoch += 1
            manager.save(checkpoint_number=int(step.numpy()))
    eval_r, eval_kl = (evaluate_vae(trainer.model, rollouts_dir, cfg, earlier) if evaluate
                       else (float("nan"), float("nan")))
    if writer and evaluate:
        with writer.as_default(step=int(step.numpy())):
            tf.summary.scalar("eval/reconstruction", eval_r)
            tf.summary.scalar("eval/kl", eval_kl)
        writer.flush()
    return VAEResult(trainer.model, int(step.numpy()), loss, eval_r, eval_kl)


def load_exported_weights(model, saved_model_dir: str) -> None:
    """V's weights from an exported V (export.vae.save_vae keeps it as the `vae` child of its
    module), into `model` (built on construction) before its first step; a refusal names the
    directory."""
    try:
        restore = tf.train.Checkpoint(vae=model).read(
            os.path.join(saved_model_dir, "variables", "variables"))
        restore.assert_existing_objects_matched().expect_partial()  # not the module's z_size
    except (AssertionError, ValueError, tf.errors.OpError) as err:
        raise ValueError(f"{saved_model_dir}: not a V of this shape to start from "
                         f"({str(err).splitlines()[0]})") from None


def evaluate_vae(model, rollouts_dir: str, cfg: VAEConfig,
                 more: tuple[str, ...] = ()) -> tuple[float, float]:
    """Mean per-image reconstruction error (at z = mu) and KL over the whole eval split (and
    the `more` datasets' eval splits)."""
    frames, files = readers.vae_frames(rollouts_dir, "eval", cfg.batch_size, seed=None,
                                       drop_remainder=False, more=more)
    r_sum = kl_sum = 0.0
    count = 0
    for images in rlds.checked(frames, files):
        mu, logvar = model.encode(images)
        recon = model.decode(mu)
        r_sum += float(tf.reduce_sum(tf.square(images - recon)))
        kl_sum += float(tf.reduce_sum(kl_divergence(mu, logvar)))
        count += int(images.shape[0])
    return r_sum / max(count, 1), kl_sum / max(count, 1)

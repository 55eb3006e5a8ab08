"""Training M: Adam with gradients clipped by value, on windows of encoded episodes.

Each batch re-samples z = mu + exp(logvar / 2) * eps from the stored posteriors (inputs and
targets alike), the noise a function of (seed, step). Checkpoints every `checkpoint_every`
steps; a restarted run resumes there and goes on exactly as an uninterrupted run: it reads the
same seeded stream of windows and skips the batches already trained on.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from worldmodels.config import RNNConfig
from worldmodels.data import readers, rlds
from worldmodels.models import vae
from worldmodels.models.mdnrnn import MDNRNN, mdn_loss
from worldmodels.progress import Progress
from worldmodels.training import checkpoints


@dataclass
class RNNResult:
    model: MDNRNN
    steps: int
    train_loss: float
    eval_nll: float
    eval_heads: dict = field(default_factory=dict)  # reward and done metrics, where M has heads


def _sample(mu, logvar, seed):
    return vae.sample(mu, logvar, tf.random.stateless_normal(tf.shape(mu), seed))


def _loss(model: MDNRNN, batch, cfg: RNNConfig, seed, training: bool = False):
    """(total, parts, heads) on one batch, z and targets sampled from the posteriors; in
    training, with `rnn.dropout` on M's z inputs and recurrent state."""
    z = _sample(batch["mu"], batch["logvar"], seed)
    target = _sample(batch["next_mu"], batch["next_logvar"], seed + 1)
    if training and cfg.dropout:
        heads, _ = model.dropped(z, batch["action"], cfg.dropout, seed + 2)
    else:
        heads, _ = model(z, batch["action"])
    total, parts = mdn_loss(target, heads, batch["mask"], batch["reward"], batch["done"],
                            model.done_weight)
    return total, parts, heads


def build_model(cfg: RNNConfig, z_size: int, action_size: int = 3) -> MDNRNN:
    return MDNRNN(z_size=z_size, action_size=action_size, hidden_units=cfg.hidden_units,
                  mixtures=cfg.mixtures, reward_head=cfg.reward_head, done_head=cfg.done_head,
                  done_weight=cfg.done_weight, precision=cfg.precision)


def make_train_step(model: MDNRNN, optimizer, cfg: RNNConfig, seed: int):
    """One update on a batch of windows at step n: (total, parts), the noise and dropout
    masks a function of (seed, n)."""

    @tf.function
    def train_step(batch, n):
        with tf.GradientTape() as tape:
            total, parts, _ = _loss(model, batch, cfg,
                                    tf.stack([tf.constant(seed, tf.int64), n]), training=True)
        grads = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return total, parts

    return train_step


def train_rnn(latents_dir: str, cfg: RNNConfig, seed: int, checkpoint_dir: str,
              log_dir: str | None = None, warm_start: str | None = None,
              earlier: tuple[str, ...] = (), newest_share: float = 0.0) -> RNNResult:
    """Trains M for cfg.steps batches from `latents_dir`'s train split, resuming from
    `checkpoint_dir`; evaluated on its eval split. A later round's M starts from `warm_start`
    (an exported M's SavedModel) and draws its windows from `earlier` datasets too (mix_weights)."""
    keras.utils.set_random_seed(seed)
    features = rlds.open_dataset(latents_dir).info.features["steps"]
    model = build_model(cfg, features["observation"]["mu"].shape[0], features["action"].shape[0])
    optimizer = keras.optimizers.Adam(cfg.learning_rate, clipvalue=cfg.grad_clip)
    step = tf.Variable(0, dtype=tf.int64, trainable=False)
    ckpt = tf.train.Checkpoint(model=model, optimizer=optimizer, step=step)
    manager = tf.train.CheckpointManager(ckpt, checkpoint_dir, max_to_keep=2)
    if not checkpoints.restore_newest(ckpt, manager) and warm_start:
        load_exported_weights(model, warm_start)
    writer = tf.summary.create_file_writer(log_dir) if log_dir else None

    train_step = make_train_step(model, optimizer, cfg, seed)
    done = int(step.numpy())
    if earlier:
        directories = [latents_dir, *earlier]
        data, files = readers.mixed_rnn_sequences(
            directories, mix_weights(directories, newest_share), "train", cfg.seq_len,
            cfg.batch_size, seed=seed)
    else:
        data, files = readers.rnn_sequences(latents_dir, "train", cfg.seq_len, cfg.batch_size,
                                            seed=seed)
    loss = float("nan")
    with Progress("MDN-RNN", cfg.steps, "step") as bar:
        bar.update(done)
        for batch in rlds.checked(data.take(cfg.steps).skip(done), files):
            total, parts = train_step(batch, step)
            step.assign_add(1)
            n, loss = int(step.numpy()), float(total)
            if not math.isfinite(loss):
                raise checkpoints.diverged("rnn", loss, n, manager)
            if writer and (n % 10 == 0 or n == 1):
                with writer.as_default(step=n):
                    tf.summary.scalar("loss/total", total)
                    for name, value in parts.items():
                        tf.summary.scalar(f"loss/{name}", value)
            bar.update(1, loss=loss)
            if n % cfg.checkpoint_every == 0 or n == cfg.steps:
                manager.save(checkpoint_number=n)
    evaluation = evaluate_rnn(model, latents_dir, cfg, seed)
    if writer:
        with writer.as_default(step=int(step.numpy())):
            for name, value in evaluation.items():
                if isinstance(value, float):
                    tf.summary.scalar(f"eval/{name}", value)
        writer.flush()
    heads = {k: v for k, v in evaluation.items() if k != "nll"}
    return RNNResult(model, int(step.numpy()), loss, evaluation["nll"], heads)


def mix_weights(directories: list[str], newest_share: float) -> list[float]:
    """How often each dataset (the newest first) gives a training window: by its train
    episodes, or `newest_share` to the newest and the rest to the others by their episodes."""
    counts = [rlds.split_counts(d, "train")[0] for d in directories]
    if not newest_share:
        return [float(c) for c in counts]
    rest = sum(counts[1:])
    return [newest_share] + [(1.0 - newest_share) * c / rest for c in counts[1:]]


def load_exported_weights(model: MDNRNN, saved_model_dir: str) -> None:
    """M's weights from an exported M (export.rnn.save_rnn keeps it as the `rnn` child of
    its module), into `model` before its first step; a refusal names the directory."""
    try:
        restore = tf.train.Checkpoint(rnn=model).read(
            os.path.join(saved_model_dir, "variables", "variables"))
        model(tf.zeros([1, 1, model.z_size]), tf.zeros([1, 1, model.action_size]))  # restores
        restore.assert_existing_objects_matched()
    except (AssertionError, ValueError, tf.errors.OpError) as err:
        raise ValueError(f"{saved_model_dir}: not an M of this shape to start from "
                         f"({str(err).splitlines()[0]})") from None


def evaluate_rnn(model: MDNRNN, latents_dir: str, cfg: RNNConfig, seed: int) -> dict:
    """M on the whole eval split (a fixed z sample): mean NLL per dimension and step, and
    where M has them, its reward and done heads against the real rewards and episode ends."""
    data, files = readers.rnn_sequences(latents_dir, "eval", cfg.seq_len, cfg.batch_size,
                                        seed=None, repeat=False, once=True)
    nll_sum = weight = 0.0
    predicted, real, done_logit, done = [], [], [], []
    for i, batch in enumerate(rlds.checked(data, files)):
        _, parts, heads = _loss(model, batch, cfg, tf.constant([seed, -1 - i], tf.int64))
        mask = batch["mask"].numpy() > 0
        nll_sum += float(parts["nll"]) * mask.sum()
        weight += mask.sum()
        if "reward" in heads:
            predicted.append(heads["reward"].numpy()[mask])
            real.append(batch["reward"].numpy()[mask])
        if "done_logit" in heads:
            done_logit.append(heads["done_logit"].numpy()[mask])
            done.append(batch["done"].numpy()[mask] > 0.5)
    out = {"nll": nll_sum / max(weight, 1.0)}
    if predicted:
        out.update(reward_metrics(np.concatenate(predicted), np.concatenate(real)))
    if done_logit:
        out.update(done_metrics(np.concatenate(done_logit), np.concatenate(done)))
    return out


def reward_metrics(predicted: np.ndarray, real: np.ndarray, bins: int = 5) -> dict:
    """Reward head per step: MSE, and calibration as (mean predicted, mean real, count) in
    quantile bins of the prediction: a calibrated head has equal means in every bin."""
    edges = np.unique(np.quantile(predicted, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, len(edges) - 2)
    calibration = [[float(predicted[which == b].mean()), float(real[which == b].mean()),
                    int((which == b).sum())] for b in range(len(edges) - 1) if (which == b).any()]
    return {"reward_mse": float(np.mean((predicted - real) ** 2)),
            "reward_mean_predicted": float(predicted.mean()), "reward_mean_real": float(real.mean()),
            "reward_calibration": calibration}


def done_metrics(logits: np.ndarray, done: np.ndarray) -> dict:
    """Done head at probability 0.5: precision and recall (None where undefined: no predicted
    or no real episode ends), and the counts they come from."""
    predicted = logits > 0.0
    hits = int((predicted & done).sum())
    return {"done_precision": hits / int(predicted.sum()) if predicted.any() else None,
            "done_recall": hits / int(done.sum()) if done.any() else None,
            "done_predicted": int(predicted.sum()), "done_real": int(done.sum())}

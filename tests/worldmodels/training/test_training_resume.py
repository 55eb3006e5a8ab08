"""V and M training from the tf.data readers: finite losses, checkpoints, and a second call
with more steps resumes where the first stopped."""
from __future__ import annotations

import math
import os

import numpy as np

from worldmodels import config as configlib
from worldmodels.data import rlds
from worldmodels.rollout import Episode
from worldmodels.training import rnn_train, vae_train


def write_rollouts(path: str) -> None:
    rng = np.random.default_rng(0)
    with rlds.DatasetWriter(path, rlds.rollouts_config(), ["train", "eval"], 4) as writer:
        for split, n in (("train", 3), ("eval", 1)):
            writer.add(split, [rlds.episode_example(Episode(
                seed=i, observations=rng.integers(0, 256, (9, 64, 64, 3), dtype=np.uint8),
                actions=np.zeros((8, 3), np.float32), rewards=np.zeros(8, np.float32),
                terminated=False, truncated=True), i) for i in range(n)])


def write_latents(path: str) -> None:
    rng = np.random.default_rng(1)
    mu = rng.normal(size=(13, 32)).astype(np.float32)
    actions = rng.uniform(-1, 1, (13, 3)).astype(np.float32)
    with rlds.DatasetWriter(path, rlds.latents_config(32), ["train", "eval"], 4) as writer:
        for split in ("train", "eval"):  # the same series: eval NLL must fall as M learns it
            steps = {"observation": {"mu": mu, "logvar": np.full_like(mu, -2.0)},
                     "action": actions,
                     "reward": np.zeros(13, np.float32), "discount": np.ones(13, np.float32),
                     "is_first": np.eye(1, 13, 0, bool)[0], "is_last": np.eye(1, 13, 12, bool)[0],
                     "is_terminal": np.zeros(13, bool)}
            writer.add(split, [{"steps": steps, "episode_id": 0, "seed": 0,
                                "env_id": "CarRacing-v3", "episode_return": 0.0, "length": 12}])


def test_vae_trains_checkpoints_and_resumes(tmp_path):
    data, ckpt = str(tmp_path / "rollouts"), str(tmp_path / "ckpt")
    write_rollouts(data)
    cfg = configlib.TINY.vae
    first = vae_train.train_vae(data, cfg.__class__(**{**cfg.__dict__, "batch_size": 4,
                                                        "max_steps": 3, "checkpoint_every": 1}),
                                0, ckpt)
    assert first.steps == 3 and math.isfinite(first.train_loss)
    assert math.isfinite(first.eval_reconstruction_loss) and first.eval_reconstruction_loss > 0
    assert any(name.startswith("ckpt-3") for name in os.listdir(ckpt))
    second = vae_train.train_vae(data, cfg.__class__(**{**cfg.__dict__, "batch_size": 4,
                                                         "max_steps": 5, "checkpoint_every": 1}),
                                 0, ckpt)
    assert second.steps == 5


def test_rnn_trains_checkpoints_and_resumes(tmp_path):
    data, ckpt = str(tmp_path / "latents"), str(tmp_path / "ckpt")
    write_latents(data)
    base = configlib.RNNConfig(hidden_units=16, batch_size=2, seq_len=4, steps=3, checkpoint_every=1)
    first = rnn_train.train_rnn(data, base, 0, ckpt)
    assert first.steps == 3 and math.isfinite(first.train_loss) and math.isfinite(first.eval_nll)
    second = rnn_train.train_rnn(data, configlib.RNNConfig(hidden_units=16, batch_size=2, seq_len=4,
                                                           steps=40, checkpoint_every=10), 0, ckpt)
    assert second.steps == 40
    assert second.eval_nll < first.eval_nll  # it learns the fixed latent series

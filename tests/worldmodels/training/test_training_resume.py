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


def _weights(model) -> list[np.ndarray]:
    return [v.numpy() for v in model.weights]


def test_resumed_vae_equals_an_uninterrupted_one(tmp_path):
    """Stopped at batch 3 of 6 in an epoch (a checkpoint) and resumed, V ends with the very
    weights of a run that was never stopped: same frame order, same noise, same optimizer."""
    data = str(tmp_path / "rollouts")
    write_rollouts(data)
    cfg = configlib.VAEConfig(batch_size=4, epochs=1, shuffle_buffer=64, interleave_episodes=3,
                              checkpoint_every=100)
    straight = vae_train.train_vae(data, cfg, 0, str(tmp_path / "a"))
    vae_train.train_vae(data, configlib.VAEConfig(**{**cfg.__dict__, "max_steps": 3}), 0,
                        str(tmp_path / "b"))
    resumed = vae_train.train_vae(data, cfg, 0, str(tmp_path / "b"))
    assert resumed.steps == straight.steps == 6  # 27 frames // 4
    for got, want in zip(_weights(resumed.model), _weights(straight.model)):
        np.testing.assert_array_equal(got, want)
    assert resumed.train_loss == straight.train_loss


def test_resumed_rnn_equals_an_uninterrupted_one(tmp_path):
    data = str(tmp_path / "latents")
    write_latents(data)
    cfg = configlib.RNNConfig(hidden_units=16, batch_size=2, seq_len=4, steps=7,
                              checkpoint_every=100)
    straight = rnn_train.train_rnn(data, cfg, 0, str(tmp_path / "a"))
    rnn_train.train_rnn(data, configlib.RNNConfig(**{**cfg.__dict__, "steps": 3}), 0,
                        str(tmp_path / "b"))
    resumed = rnn_train.train_rnn(data, cfg, 0, str(tmp_path / "b"))
    for got, want in zip(_weights(resumed.model), _weights(straight.model)):
        np.testing.assert_array_equal(got, want)
    assert resumed.eval_nll == straight.eval_nll

"""V and M training from the tf.data readers: finite losses, checkpoints, and a second call
with more steps resumes where the first stopped."""
from __future__ import annotations

import math
import os

import numpy as np
import pytest
import tensorflow as tf

from tests.worldmodels.fakes import write_latents, write_rollouts
from worldmodels import config as configlib
from worldmodels.training import checkpoints, rnn_train, vae_train


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


def straight_and_resumed(train, data: str, cfg, stopped_cfg, tmp_path):
    """The same training straight, and stopped early (`stopped_cfg`) then resumed with `cfg`;
    asserts their weights are equal bit for bit."""
    straight = train(data, cfg, 0, str(tmp_path / "a"))
    train(data, stopped_cfg, 0, str(tmp_path / "b"))
    resumed = train(data, cfg, 0, str(tmp_path / "b"))
    for got, want in zip(resumed.model.weights, straight.model.weights):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    return straight, resumed


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_resumed_vae_equals_an_uninterrupted_one(tmp_path, precision):
    """Stopped at batch 3 of 6 in an epoch (a checkpoint) and resumed, V ends with the very
    weights of a run that was never stopped: same frame order, same noise, same optimizer,
    in either precision."""
    data = str(tmp_path / "rollouts")
    write_rollouts(data)
    cfg = configlib.VAEConfig(batch_size=4, epochs=1, shuffle_buffer=64, interleave_episodes=3,
                              checkpoint_every=100, precision=precision)
    straight, resumed = straight_and_resumed(
        vae_train.train_vae, data, cfg, configlib.VAEConfig(**{**cfg.__dict__, "max_steps": 3}),
        tmp_path)
    assert resumed.steps == straight.steps == 6  # 27 frames // 4
    assert resumed.train_loss == straight.train_loss


@pytest.mark.parametrize("dropout, precision", [(0.0, "float32"), (0.2, "float32"),
                                                (0.2, "bfloat16")])
def test_resumed_rnn_equals_an_uninterrupted_one(tmp_path, dropout, precision):
    """Also with Dropout's Dream Land's masks (drawn from (seed, step), the same after a
    resume), and in bfloat16."""
    data = str(tmp_path / "latents")
    write_latents(data)
    cfg = configlib.RNNConfig(hidden_units=16, batch_size=2, seq_len=4, steps=7,
                              checkpoint_every=100, dropout=dropout, done_head=True,
                              precision=precision)
    straight, resumed = straight_and_resumed(
        rnn_train.train_rnn, data, cfg, configlib.RNNConfig(**{**cfg.__dict__, "steps": 3}),
        tmp_path)
    assert resumed.eval_nll == straight.eval_nll


def test_a_diverged_loss_names_the_step_and_keeps_the_last_good_checkpoint(tmp_path):
    data, ckpt = str(tmp_path / "latents"), str(tmp_path / "ckpt")
    write_latents(data)
    cfg = configlib.RNNConfig(hidden_units=16, batch_size=2, seq_len=4, steps=6,
                              checkpoint_every=1, learning_rate=1e30)
    with pytest.raises(checkpoints.NaNLossError) as err:
        rnn_train.train_rnn(data, cfg, 0, ckpt)
    good = os.path.join(ckpt, "ckpt-1")
    assert str(err.value) == (f"rnn: loss is inf at step 2; the last good checkpoint, {good}, "
                              "is kept; a lower learning rate or gradient clip usually helps")
    reader = tf.train.load_checkpoint(good)
    assert all(np.isfinite(reader.get_tensor(n)).all() for n in reader.get_variable_to_shape_map()
               if reader.get_variable_to_dtype_map()[n].is_floating)


@pytest.mark.parametrize("damage", ["truncated data", "garbage index", "garbage list"])
def test_a_damaged_checkpoint_is_named_not_skipped(tmp_path, damage):
    data, ckpt = str(tmp_path / "latents"), str(tmp_path / "ckpt")
    write_latents(data)
    cfg = configlib.RNNConfig(hidden_units=16, batch_size=2, seq_len=4, steps=2, checkpoint_every=1)
    rnn_train.train_rnn(data, cfg, 0, ckpt)
    newest = os.path.join(ckpt, "ckpt-2")
    if damage == "truncated data":
        with open(newest + ".data-00000-of-00001", "r+b") as f:
            f.truncate(100)
        want = f"^{newest}: damaged checkpoint .*delete its files \\(ckpt-2\\.\\*\\)"
    elif damage == "garbage index":
        with open(newest + ".index", "wb") as f:
            f.write(b"garbage")
        want = f"^{newest}: damaged checkpoint \\(file is too short to be an sstable\\)"
    else:
        with open(os.path.join(ckpt, "checkpoint"), "w") as f:
            f.write("garbage {{")
        want = f"^{ckpt}/checkpoint: unreadable list of checkpoints \\(ckpt-2 is there\\)"
    with pytest.raises(checkpoints.CheckpointError, match=want):
        rnn_train.train_rnn(data, configlib.RNNConfig(**{**cfg.__dict__, "steps": 4}), 0, ckpt)


def test_an_untrained_m_is_its_seeded_initial_weights_and_is_evaluated(tmp_path):
    data = str(tmp_path / "latents")
    write_latents(data)
    cfg = configlib.RNNConfig(hidden_units=16, batch_size=2, seq_len=4, steps=0)
    first = rnn_train.train_rnn(data, cfg, 3, str(tmp_path / "a"))
    again = rnn_train.train_rnn(data, cfg, 3, str(tmp_path / "b"))
    other = rnn_train.train_rnn(data, cfg, 4, str(tmp_path / "c"))
    assert first.steps == 0 and math.isnan(first.train_loss) and math.isfinite(first.eval_nll)
    for a, b, c in zip(first.model.weights, again.model.weights, other.model.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())  # the seed decides them
    assert any(not np.array_equal(a.numpy(), c.numpy())
               for a, c in zip(first.model.weights, other.model.weights))
    trained = rnn_train.train_rnn(data, cfg.__class__(**{**cfg.__dict__, "steps": 40}), 3,
                                  str(tmp_path / "d"))
    assert trained.eval_nll < first.eval_nll

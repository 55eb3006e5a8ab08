"""V and M trained in bfloat16 end where float32 training ends: after the same batches from
the same seed, the held-out losses agree within 2%, with float32 variables throughout."""
from __future__ import annotations

import pytest

from tests.worldmodels.fakes import write_latents, write_rollouts
from worldmodels import config as configlib
from worldmodels.training import rnn_train, vae_train


def test_v_in_bfloat16_ends_within_two_percent_of_float32(tmp_path):
    data = str(tmp_path / "rollouts")
    write_rollouts(data)
    results = {}
    for precision in ("float32", "bfloat16"):
        cfg = configlib.VAEConfig(batch_size=4, epochs=4, shuffle_buffer=64,
                                  interleave_episodes=3, learning_rate=1e-3,
                                  precision=precision)
        results[precision] = vae_train.train_vae(data, cfg, 0, str(tmp_path / precision))
        assert {v.dtype for v in results[precision].model.weights} == {"float32"}
    f32, bf16 = results["float32"], results["bfloat16"]
    assert f32.steps == bf16.steps == 24
    assert bf16.eval_reconstruction_loss == pytest.approx(f32.eval_reconstruction_loss, rel=0.02)


def test_m_in_bfloat16_ends_within_two_percent_of_float32(tmp_path):
    data = str(tmp_path / "latents")
    write_latents(data)
    results = {
        precision: rnn_train.train_rnn(data, configlib.RNNConfig(
            hidden_units=16, batch_size=2, seq_len=4, steps=40, precision=precision), 0,
            str(tmp_path / precision))
        for precision in ("float32", "bfloat16")}
    assert results["bfloat16"].eval_nll == pytest.approx(results["float32"].eval_nll, rel=0.02)

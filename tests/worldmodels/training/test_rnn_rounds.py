"""M in a later round: started from the previous round's exported M, trained on windows drawn
from every round's latents, resumable as in round 1."""
from __future__ import annotations

import os

import numpy as np
import pytest

from tests.worldmodels.fakes import write_latents
from worldmodels import config as configlib
from worldmodels.export.rnn import save_rnn
from worldmodels.training import rnn_train

CFG = configlib.RNNConfig(hidden_units=16, batch_size=2, seq_len=4, steps=6, checkpoint_every=100)


def exported_m(tmp_path, steps: int) -> tuple[str, rnn_train.RNNResult]:
    data = str(tmp_path / "round1")
    write_latents(data)
    first = rnn_train.train_rnn(data, configlib.RNNConfig(**{**CFG.__dict__, "steps": steps}), 0,
                                str(tmp_path / "ckpt1"))
    path = str(tmp_path / "m1")
    save_rnn(first.model, path)
    return path, first


def test_a_warm_started_m_begins_with_the_exported_weights(tmp_path):
    """Twenty steps from the same seed's initial weights: equal only if the start was read."""
    path, first = exported_m(tmp_path, steps=20)
    untouched = rnn_train.train_rnn(str(tmp_path / "round1"),
                                    configlib.RNNConfig(**{**CFG.__dict__, "steps": 0}), 0,
                                    str(tmp_path / "ckpt2"), warm_start=path)
    for got, want in zip(untouched.model.weights, first.model.weights):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert untouched.eval_nll == pytest.approx(first.eval_nll, rel=1e-6)


def test_an_m_of_another_shape_is_refused_in_one_line(tmp_path):
    path, _ = exported_m(tmp_path, steps=1)
    with pytest.raises(ValueError, match=rf"^{path}: not an M of this shape to start from"):
        rnn_train.train_rnn(str(tmp_path / "round1"),
                            configlib.RNNConfig(**{**CFG.__dict__, "hidden_units": 8}), 0,
                            str(tmp_path / "ckpt2"), warm_start=path)


def test_a_refined_m_resumes_exactly_with_earlier_rounds_in_its_batches(tmp_path):
    path, _ = exported_m(tmp_path, steps=3)
    newest = str(tmp_path / "round2")
    write_latents(newest)

    def refine(cfg, ckpt):
        return rnn_train.train_rnn(newest, cfg, 0, str(tmp_path / ckpt), warm_start=path,
                                   earlier=(str(tmp_path / "round1"),), newest_share=0.75)

    straight = refine(CFG, "a")
    refine(configlib.RNNConfig(**{**CFG.__dict__, "steps": 2}), "b")
    resumed = refine(CFG, "b")  # from its own checkpoint at step 2, not from the warm start
    for got, want in zip(resumed.model.weights, straight.model.weights):
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_windows_come_from_the_rounds_by_their_episodes_or_the_newest_share(tmp_path):
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    write_latents(one)
    write_latents(two)
    assert rnn_train.mix_weights([two, one], 0.0) == [1.0, 1.0]
    assert rnn_train.mix_weights([two, one, one], 0.5) == [0.5, 0.25, 0.25]
    assert os.path.isdir(one)

"""V in a later round that refines it: started from the previous round's exported V, trained
on every round's frames, resumable as in round 1."""
from __future__ import annotations

import hashlib

import numpy as np
import pytest

from tests.worldmodels.fakes import write_rollouts
from worldmodels import config as configlib
from worldmodels.data import readers
from worldmodels.export.vae import save_vae
from worldmodels.models.vae import ConvVAE
from worldmodels.training import vae_train

CFG = configlib.VAEConfig(z_size=8, batch_size=4, max_steps=4, checkpoint_every=100,
                          shuffle_buffer=64, interleave_episodes=4)


def with_(**changes) -> configlib.VAEConfig:
    return configlib.VAEConfig(**{**CFG.__dict__, **changes})


def exported_v(tmp_path) -> tuple[str, str]:
    """Round 1's rollouts and the V trained on them, exported."""
    data = str(tmp_path / "round1")
    write_rollouts(data)
    first = vae_train.train_vae(data, CFG, 0, str(tmp_path / "ckpt1"), evaluate=False)
    path = str(tmp_path / "v1")
    save_vae(first.model, path)
    return data, path


def frame_hashes(dataset) -> list[str]:
    return [hashlib.sha1(image.tobytes()).hexdigest()
            for batch in dataset for image in np.asarray(batch)]


def test_an_exported_v_is_read_back_weight_for_weight(tmp_path):
    _, path = exported_v(tmp_path)
    first = ConvVAE(8)
    save_vae(first, str(tmp_path / "fresh"))
    other = ConvVAE(8)  # other initial weights
    vae_train.load_exported_weights(other, str(tmp_path / "fresh"))
    for got, want in zip(other.weights, first.weights):
        np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_a_v_of_another_z_size_is_refused_in_one_line(tmp_path):
    data, path = exported_v(tmp_path)
    with pytest.raises(ValueError, match=rf"^{path}: not a V of this shape to start from"):
        vae_train.train_vae(data, with_(z_size=16), 0, str(tmp_path / "ckpt2"), warm_start=path)


def test_every_rounds_frames_come_once_an_epoch_and_in_turn_for_evaluation(tmp_path):
    one, two = str(tmp_path / "one"), str(tmp_path / "two")
    write_rollouts(one, steps=8, seed=1)
    write_rollouts(two, steps=5, seed=2)
    alone = [frame_hashes(readers.vae_frames(d, "train", 1, seed=None)[0]) for d in (one, two)]
    mixed = frame_hashes(readers.vae_frames(two, "train", 1, seed=3, more=(one,))[0].take(45))
    assert len(alone[0]) == 27 and len(alone[1]) == 18
    assert sorted(mixed) == sorted(alone[0] + alone[1])
    assert mixed == frame_hashes(readers.vae_frames(two, "train", 1, seed=3,
                                                    more=(one,))[0].take(45))
    in_turn = frame_hashes(readers.vae_frames(two, "train", 1, seed=None, more=(one,))[0])
    assert in_turn == alone[1] + alone[0]


def test_a_refined_v_resumes_exactly_with_earlier_rounds_in_its_batches(tmp_path):
    data, path = exported_v(tmp_path)
    newest = str(tmp_path / "round2")
    write_rollouts(newest, seed=5)

    def refine(cfg, ckpt):
        return vae_train.train_vae(newest, cfg, 0, str(tmp_path / ckpt), warm_start=path,
                                   earlier=(data,), evaluate=ckpt == "a")

    straight = refine(CFG, "a")
    refine(with_(max_steps=2, checkpoint_every=2), "b")
    resumed = refine(CFG, "b")  # from its own checkpoint at batch 2, not from the warm start
    for got, want in zip(resumed.model.weights, straight.model.weights):
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert np.isfinite(straight.eval_reconstruction_loss)

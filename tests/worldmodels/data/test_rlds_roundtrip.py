"""Rollouts written with TFDS's writer and read back bit-exact, by us and by plain TFDS; a
corrupt or truncated shard's error names the file."""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow_datasets as tfds

from worldmodels.data import readers, rlds
from worldmodels.data.episode import Episode


def synthetic_episode(seed: int, length: int) -> Episode:
    rng = np.random.default_rng(seed)
    return Episode(seed=seed,
                   observations=rng.integers(0, 256, (length + 1, 64, 64, 3), dtype=np.uint8),
                   actions=rng.uniform(-1, 1, (length, 3)).astype(np.float32),
                   rewards=rng.normal(size=length).astype(np.float32),
                   terminated=seed % 2 == 1, truncated=seed % 2 == 0)


@pytest.fixture
def dataset(tmp_path):
    episodes = [synthetic_episode(s, 5 + s) for s in range(4)]
    path = str(tmp_path / "rollouts")
    with rlds.DatasetWriter(path, rlds.rollouts_config(), ["train", "eval"], 2) as writer:
        writer.add("train", [rlds.episode_example(e, i) for i, e in enumerate(episodes[:3])])
        writer.add("eval", [rlds.episode_example(episodes[3], 3)])
    return path, episodes


def test_round_trip_is_bit_exact(dataset):
    path, episodes = dataset
    read = rlds.read_episode_arrays(path, "train")
    assert [int(r["episode_id"]) for r in read] == [0, 1, 2]
    for r, e in zip(read, episodes):
        steps = r["steps"]
        np.testing.assert_array_equal(steps["observation"], e.observations)
        np.testing.assert_array_equal(steps["action"][:-1], e.actions)
        np.testing.assert_array_equal(steps["reward"][:-1], e.rewards)
        n = e.length + 1
        assert steps["is_first"].tolist() == [True] + [False] * (n - 1)
        assert steps["is_last"].tolist() == [False] * (n - 1) + [True]
        assert steps["is_terminal"].tolist() == [False] * (n - 1) + [e.terminated]
        assert steps["discount"][-1] == (0.0 if e.terminated else 1.0)
        assert int(r["length"]) == e.length and int(r["seed"]) == e.seed
    assert rlds.split_counts(path, "train") == (3, 5 + 6 + 7)


def test_plain_tfds_reads_it(dataset):
    path, episodes = dataset
    builder = tfds.builder_from_directory(path)
    assert builder.info.splits["train"].num_examples == 3
    first = next(iter(builder.as_dataset(split="train")))
    frames = np.stack([s["observation"].numpy() for s in first["steps"]])
    np.testing.assert_array_equal(frames, episodes[0].observations)


def _damage(path: str, truncate: bool) -> str:
    shard = rlds.split_files(rlds.open_dataset(path), "train")[0]
    data = bytearray(open(shard, "rb").read())
    if truncate:
        data = data[: len(data) - 100]
    else:
        data[len(data) // 2] ^= 0xFF
    open(shard, "wb").write(bytes(data))
    return shard


@pytest.mark.parametrize("truncate", [False, True])
def test_damaged_shard_is_named(dataset, truncate):
    path, _ = dataset
    shard = _damage(path, truncate)
    with pytest.raises(rlds.CorruptShardError, match=f"^{shard}: corrupt or truncated"):
        rlds.read_episode_arrays(path, "train")
    frames, files = readers.vae_frames(path, "train", 4, seed=None, drop_remainder=False)
    with pytest.raises(rlds.CorruptShardError, match=f"^{shard}:"):
        list(rlds.checked(frames, files))


def test_missing_split_and_missing_dataset(dataset, tmp_path):
    path, _ = dataset
    with pytest.raises(KeyError, match="no split 'test'"):
        rlds.read_episode_arrays(path, "test")
    with pytest.raises(FileNotFoundError, match=f"^{tmp_path}: not a worldmodels dataset"):
        rlds.open_dataset(str(tmp_path))


def test_vae_frames_cover_every_frame_once(dataset):
    path, episodes = dataset
    frames, _ = readers.vae_frames(path, "train", 4, seed=None, drop_remainder=False)
    got = np.concatenate([b.numpy() for b in frames])
    want = np.concatenate([e.observations for e in episodes[:3]]).astype(np.float32) / 255.0
    assert got.shape == want.shape == (18 + 3, 64, 64, 3)
    np.testing.assert_allclose(np.sort(got.reshape(len(got), -1).sum(1)),
                               np.sort(want.reshape(len(want), -1).sum(1)), rtol=1e-6)


def test_rnn_windows_shift_targets_end_inside_the_episode_and_mask_padding(tmp_path):
    path = str(tmp_path / "latents")
    mu = np.arange(6 * 32, dtype=np.float32).reshape(6, 32)  # 6 frames: 5 transitions
    steps = {"observation": {"mu": mu, "logvar": np.zeros_like(mu)},
             "action": np.ones((6, 3), np.float32), "reward": np.zeros(6, np.float32),
             "discount": np.ones(6, np.float32), "is_first": np.eye(1, 6, 0, bool)[0],
             "is_last": np.eye(1, 6, 5, bool)[0], "is_terminal": np.eye(1, 6, 5, bool)[0]}
    example = {"steps": steps, "episode_id": 0, "seed": 0, "env_id": "CarRacing-v3",
               "episode_return": 0.0, "length": 5}
    with rlds.DatasetWriter(path, rlds.latents_config(32), ["train", "eval"], 10) as writer:
        writer.add("train", [example])
        writer.add("eval", [example])
    data, _ = readers.rnn_sequences(path, "train", 4, 2, seed=None, repeat=False)
    batch = next(iter(data))  # windows of transitions 0..3 and 1..4, both inside the episode
    assert batch["mu"].shape == (2, 4, 32)
    np.testing.assert_array_equal(batch["mask"].numpy(), np.ones((2, 4)))
    np.testing.assert_array_equal(batch["next_mu"].numpy()[0, :3], batch["mu"].numpy()[0, 1:])
    np.testing.assert_array_equal(batch["mu"].numpy()[1], mu[1:5])
    np.testing.assert_array_equal(batch["next_mu"].numpy()[1], mu[2:6])
    np.testing.assert_array_equal(batch["done"].numpy(), [[0, 0, 0, 0], [0, 0, 0, 1]])
    data, _ = readers.rnn_sequences(path, "train", 8, 1, seed=None, repeat=False)
    batch = next(iter(data))  # shorter than seq_len: one window, zero-padded and masked
    np.testing.assert_array_equal(batch["mask"].numpy(), [[1, 1, 1, 1, 1, 0, 0, 0]])
    np.testing.assert_array_equal(batch["mu"].numpy()[0, :5], mu[:5])
    assert (batch["mu"].numpy()[0, 5:] == 0).all()
    np.testing.assert_array_equal(batch["done"].numpy()[0], [0, 0, 0, 0, 1, 0, 0, 0])

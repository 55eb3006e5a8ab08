"""tf.data readers over the RLDS artifacts: streamed from the shards, never a whole split in RAM.

- frames for V: episodes interleaved (many at once) then shuffled, so a batch mixes episodes;
- sequences for M: each episode cut into fixed-length windows of (z_t, a_t) -> z_{t+1} with a
  mask that is 0 past the episode's end.
"""
from __future__ import annotations

import tensorflow as tf
import tensorflow_datasets as tfds

from worldmodels.data import rlds

AUTOTUNE = tf.data.AUTOTUNE


def _episodes(directory: str, split: str, seed: int | None):
    builder = rlds.open_dataset(directory)
    files = rlds.split_files(builder, split)
    read_config = tfds.ReadConfig(shuffle_seed=seed, shuffle_reshuffle_each_iteration=True)
    ds = builder.as_dataset(split=split, shuffle_files=seed is not None, read_config=read_config)
    return ds, files


def vae_frames(directory: str, split: str, batch_size: int, seed: int | None = 0,
               shuffle_buffer: int = 10_000, interleave_episodes: int = 16,
               drop_remainder: bool = True):
    """Batches of observations as float32 [B, 64, 64, 3] in [0, 1]; seed=None: file order,
    no shuffling (evaluation). Returns (dataset, shard files)."""
    episodes, files = _episodes(directory, split, seed)
    frames = episodes.interleave(
        lambda ep: ep["steps"].map(lambda s: s["observation"]),
        cycle_length=interleave_episodes, block_length=1, num_parallel_calls=AUTOTUNE,
        deterministic=True)
    if seed is not None:
        frames = frames.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    frames = frames.batch(batch_size, drop_remainder=drop_remainder, num_parallel_calls=AUTOTUNE)
    return frames.map(lambda x: tf.cast(x, tf.float32) / 255.0, num_parallel_calls=AUTOTUNE) \
        .prefetch(AUTOTUNE), files


def _windows(episode, seq_len: int):
    """One encoded episode -> windows of seq_len transitions, zero-padded, with a mask."""
    steps = episode["steps"].batch(1 << 30).get_single_element()
    mu, logvar = steps["observation"]["mu"], steps["observation"]["logvar"]
    n = tf.shape(mu)[0] - 1  # transitions
    pad = (-n) % seq_len

    def cut(x):
        x = tf.concat([x, tf.zeros(tf.concat([[pad], tf.shape(x)[1:]], 0), x.dtype)], 0)
        return tf.reshape(x, tf.concat([[-1, seq_len], tf.shape(x)[1:]], 0))

    return tf.data.Dataset.from_tensor_slices({
        "mu": cut(mu[:-1]), "logvar": cut(logvar[:-1]), "action": cut(steps["action"][:-1]),
        "next_mu": cut(mu[1:]), "next_logvar": cut(logvar[1:]),
        "reward": cut(steps["reward"][:-1]),
        "done": cut(tf.cast(steps["is_terminal"][1:], tf.float32)),
        "mask": cut(tf.ones([n], tf.float32)),
    })


def rnn_sequences(directory: str, split: str, seq_len: int, batch_size: int,
                  seed: int | None = 0, shuffle_buffer: int = 1000, repeat: bool = True):
    """Batches of windows {mu, logvar, action, next_mu, next_logvar, reward, done, mask}
    each [B, seq_len, ...]. Returns (dataset, shard files)."""
    episodes, files = _episodes(directory, split, seed)
    ds = episodes.flat_map(lambda ep: _windows(ep, seq_len))
    if seed is not None:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()
    return ds.batch(batch_size, drop_remainder=repeat).prefetch(AUTOTUNE), files

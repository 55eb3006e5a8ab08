"""tf.data readers over the RLDS artifacts: streamed from the shards, never a whole split in RAM.

- frames for V: episodes interleaved (many at once) then shuffled, so a batch mixes episodes;
- sequences for M: each episode cut into fixed-length windows of (z_t, a_t) -> z_{t+1} that
  end inside it (window_starts), with a mask that is 0 past the end of a short episode.
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
               drop_remainder: bool = True, more: tuple[str, ...] = ()):
    """Batches of observations as float32 [B, 64, 64, 3] in [0, 1]; seed=None: file order,
    no shuffling (evaluation). Frames of the `more` datasets (earlier rounds') are drawn in
    too, each dataset by its share of the frames (in turn, when seed=None). Returns
    (dataset, shard files)."""
    streams, files, counts = [], [], []
    for i, source in enumerate((directory, *more)):
        episodes, found = _episodes(source, split, None if seed is None else seed + i)
        streams.append(episodes.interleave(
            lambda ep: ep["steps"].map(lambda s: s["observation"]),
            cycle_length=interleave_episodes, block_length=1, num_parallel_calls=AUTOTUNE,
            deterministic=True))
        files += found
        counts.append(float(sum(rlds.split_counts(source, split))))  # T + 1 frames an episode
    frames = streams[0]
    if more and seed is None:
        for stream in streams[1:]:
            frames = frames.concatenate(stream)
    elif more:
        frames = tf.data.Dataset.sample_from_datasets(
            streams, [c / sum(counts) for c in counts], seed=seed)
    if seed is not None:
        frames = frames.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    frames = frames.batch(batch_size, drop_remainder=drop_remainder, num_parallel_calls=AUTOTUNE)
    return frames.map(lambda x: tf.cast(x, tf.float32) / 255.0, num_parallel_calls=AUTOTUNE) \
        .prefetch(AUTOTUNE), files


def window_starts(n, seq_len: int):
    """First transitions of the windows cut from an episode of n transitions: ceil(n / seq_len)
    windows, starts evenly spread from 0 to n - seq_len, so every window ends inside the
    episode and the last one ends at its end; an episode shorter than seq_len gives one
    window from 0 (padded).

    Why evenly spread, not end-padded or randomly cropped: an end-padded cut gave the paper's
    1,000 transitions at seq_len 999 a second window of 1 real and 998 masked steps, half of
    every batch padding. Random crops of whole windows drop up to seq_len - 1 transitions an
    epoch, the episode's last (terminal) one among them, which the done head learns from.
    Evenly spread windows use every transition every epoch, mask nothing, and need no random
    state, so training stays reproducible and resumable as it was. Overlap costs no compute
    (M trains for `rnn.steps` batches, however many windows there are) and counts some steps
    twice in training (paper: transitions 1..998 of 0..999); evaluation masks the repeats."""
    count = tf.maximum(1, (n + seq_len - 1) // seq_len)
    span, gaps = tf.maximum(n - seq_len, 0), tf.maximum(count - 1, 1)
    return (2 * tf.range(count) * span + gaps) // (2 * gaps)  # round(i * span / gaps)


def _windows(episode, seq_len: int, once: bool):
    """One encoded episode -> windows of seq_len transitions (window_starts), with a mask that
    is 0 on the zero padding of an episode shorter than seq_len and, if `once`, on the steps
    an earlier window of the episode holds, so each transition counts once."""
    steps = rlds.episode_steps(episode)
    mu, logvar = steps["observation"]["mu"], steps["observation"]["logvar"]
    n = tf.shape(mu)[0] - 1  # transitions
    starts = window_starts(n, seq_len)
    index = starts[:, None] + tf.range(seq_len)[None, :]
    pad = tf.maximum(seq_len - n, 0)
    new = tf.ones_like(index, tf.float32)
    if once:  # a window's steps before the previous window's end are repeats
        covered = tf.concat([[0], starts[:-1] + seq_len], 0)
        new = tf.cast(index >= covered[:, None], tf.float32)

    def cut(x):
        x = tf.concat([x, tf.zeros(tf.concat([[pad], tf.shape(x)[1:]], 0), x.dtype)], 0)
        return tf.gather(x, index)

    return tf.data.Dataset.from_tensor_slices({
        "mu": cut(mu[:-1]), "logvar": cut(logvar[:-1]), "action": cut(steps["action"][:-1]),
        "next_mu": cut(mu[1:]), "next_logvar": cut(logvar[1:]),
        "reward": cut(steps["reward"][:-1]),
        "done": cut(tf.cast(steps["is_terminal"][1:], tf.float32)),
        "mask": cut(tf.ones([n], tf.float32)) * new,
    })


def rnn_sequences(directory: str, split: str, seq_len: int, batch_size: int,
                  seed: int | None = 0, shuffle_buffer: int = 1000, repeat: bool = True,
                  once: bool = False):
    """Batches of windows {mu, logvar, action, next_mu, next_logvar, reward, done, mask}
    each [B, seq_len, ...]; once=True (evaluation) masks repeated steps so each transition
    counts once. Returns (dataset, shard files)."""
    ds, files = _window_stream(directory, split, seq_len, seed, shuffle_buffer, repeat, once)
    return ds.batch(batch_size, drop_remainder=repeat).prefetch(AUTOTUNE), files


def mixed_rnn_sequences(directories: list[str], weights: list[float], split: str,
                        seq_len: int, batch_size: int, seed: int = 0,
                        shuffle_buffer: int = 1000):
    """rnn_sequences' training batches drawn from several datasets (rounds' latents), each
    window from directory i with probability weights[i], endlessly; the draws seeded, so
    training resumes exactly. Returns (dataset, every shard file)."""
    streams, files = [], []
    for i, directory in enumerate(directories):
        ds, found = _window_stream(directory, split, seq_len, seed + i, shuffle_buffer, True,
                                   False)
        streams.append(ds)
        files += found
    total = float(sum(weights))
    mixed = tf.data.Dataset.sample_from_datasets(streams, [w / total for w in weights],
                                                 seed=seed)
    return mixed.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE), files


def _window_stream(directory: str, split: str, seq_len: int, seed: int | None,
                   shuffle_buffer: int, repeat: bool, once: bool):
    episodes, files = _episodes(directory, split, seed)
    ds = episodes.flat_map(lambda ep: _windows(ep, seq_len, once))
    if seed is not None:
        ds = ds.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    return (ds.repeat() if repeat else ds), files

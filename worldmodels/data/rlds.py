"""Rollouts and latent series as TensorFlow Datasets datasets in RLDS form.

Written with TFDS's own SequentialWriter, so any user (and any RLDS tool) reads them with
`tfds.builder_from_directory(path)`. Each split is a set of TFRecord shards of whole episodes.
"""
from __future__ import annotations

import os
import re
from typing import Iterable

import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds
from tensorflow_datasets.core import sequential_writer
from tensorflow_datasets.rlds import rlds_base

from worldmodels.data.episode import Episode
from worldmodels.env import car_racing
from worldmodels.frames import OBS_SHAPE
from worldmodels.games import game

ROLLOUTS_NAME = "worldmodels_rollouts"
LATENTS_NAME = "worldmodels_latents"
VERSION = "1.0.0"
SPLITS = ("train", "eval")


class CorruptShardError(RuntimeError):
    """A TFRecord shard that cannot be read; the message names the file."""


def _episode_metadata() -> dict:
    return {"episode_id": np.int64, "seed": np.int64, "env_id": tfds.features.Text(),
            "episode_return": np.float64, "length": np.int64}


def rollouts_config(env_id: str = car_racing.ENV_ID) -> rlds_base.DatasetConfig:
    spec = game(env_id)
    return rlds_base.DatasetConfig(
        name=ROLLOUTS_NAME,
        overall_description=f"{env_id} episodes; observations are 64x64 crops "
                            f"(rows 0..{spec.frames.crop_rows - 1}).",
        observation_info=tfds.features.Image(shape=OBS_SHAPE, dtype=np.uint8,
                                             encoding_format="png"),
        action_info=tfds.features.Tensor(shape=(spec.action_size,), dtype=np.float32),
        reward_info=np.float32,
        discount_info=np.float32,
        episode_metadata_info=_episode_metadata(),
    )


def latents_config(z_size: int, action_size: int = 3) -> rlds_base.DatasetConfig:
    return rlds_base.DatasetConfig(
        name=LATENTS_NAME,
        overall_description="Rollouts encoded by V: per step the posterior's mu and logvar.",
        observation_info=tfds.features.FeaturesDict({
            "mu": tfds.features.Tensor(shape=(z_size,), dtype=np.float32),
            "logvar": tfds.features.Tensor(shape=(z_size,), dtype=np.float32),
        }),
        action_info=tfds.features.Tensor(shape=(action_size,), dtype=np.float32),
        reward_info=np.float32,
        discount_info=np.float32,
        episode_metadata_info=_episode_metadata(),
    )


def _steps(observations, actions: np.ndarray, rewards: np.ndarray, terminated: bool,
           action_size: int) -> dict:
    """RLDS steps: T + 1 entries; the last holds the final observation and no action."""
    n = len(actions) + 1
    pad = lambda x: np.concatenate([x, np.zeros((1,) + x.shape[1:], x.dtype)])
    discount = np.ones(n, np.float32)
    if terminated:
        discount[-1] = 0.0
    is_first = np.zeros(n, bool)
    is_first[0] = True
    is_last = np.zeros(n, bool)
    is_last[-1] = True
    return {
        "observation": observations,
        "action": pad(np.asarray(actions, np.float32).reshape(-1, action_size)),
        "reward": pad(np.asarray(rewards, np.float32)),
        "discount": discount,
        "is_first": is_first,
        "is_last": is_last,
        "is_terminal": is_last & bool(terminated),
    }


def episode_example(episode: Episode, episode_id: int, env_id: str = car_racing.ENV_ID) -> dict:
    return {
        "steps": _steps(episode.observations, episode.actions, episode.rewards, episode.terminated,
                        game(env_id).action_size),
        "episode_id": episode_id, "seed": episode.seed, "env_id": env_id,
        "episode_return": episode.episode_return, "length": episode.length,
    }


class DatasetWriter:
    """Appends episodes to the splits of one RLDS dataset directory."""

    def __init__(self, directory: str, config: rlds_base.DatasetConfig, splits: Iterable[str],
                 episodes_per_shard: int):
        identity = tfds.core.DatasetIdentity(
            name=config.name, version=tfds.core.Version(VERSION), data_dir=directory,
            module_name=__name__)
        splits = list(splits)
        # Per-split counts live in the dataset's metadata.json, so readers know the sizes
        # without a pass over the shards.
        info = rlds_base.build_info(config, identity, ds_metadata={
            "episodes": {s: 0 for s in splits}, "steps": {s: 0 for s in splits}})
        self._counts = info.metadata
        tf.io.gfile.makedirs(directory)
        self._writer = sequential_writer.SequentialWriter(info, episodes_per_shard, overwrite=True)
        self._writer.initialize_splits(splits)

    def add(self, split: str, examples: list[dict]) -> None:
        """Appends episodes; each example's `length` counts its transitions."""
        self._counts["episodes"][split] += len(examples)
        self._counts["steps"][split] += sum(int(ex["length"]) for ex in examples)
        self._writer.add_examples({split: examples})

    def close(self) -> None:
        self._writer.close_all()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


PART_DONE = "PART_DONE"  # written into a part's directory once all its episodes are in


def part_done(part_dir: str) -> bool:
    return tf.io.gfile.exists(os.path.join(part_dir, PART_DONE))


def mark_part_done(part_dir: str, worker: str) -> None:
    """Marks the part complete, naming the worker that wrote it (kept across resumes)."""
    with tf.io.gfile.GFile(os.path.join(part_dir, PART_DONE), "w") as f:
        f.write(worker)


def part_worker(part_dir: str) -> str:
    with tf.io.gfile.GFile(os.path.join(part_dir, PART_DONE)) as f:
        return f.read()


def merge_parts(directory: str, config: rlds_base.DatasetConfig, part_dirs: list[str],
                splits: Iterable[str]) -> None:
    """Joins datasets written independently (by worker processes or Beam workers) into one,
    shards renumbered in part order. The parts stay as they are (their shards are linked, or
    copied where links are not possible), so a merge killed midway is simply done again."""
    splits = list(splits)
    counts = {"episodes": {s: 0 for s in splits}, "steps": {s: 0 for s in splits}}
    identity = tfds.core.DatasetIdentity(
        name=config.name, version=tfds.core.Version(VERSION), data_dir=directory,
        module_name=__name__)
    info = rlds_base.build_info(config, identity, ds_metadata=counts)
    tf.io.gfile.makedirs(directory)
    part_infos = [open_dataset(d).info for d in part_dirs]
    split_infos = []
    for split in splits:
        template = tfds.core.ShardedFileTemplate(
            data_dir=directory, template="{DATASET}-{SPLIT}.{FILEFORMAT}-{SHARD_INDEX}",
            dataset_name=config.name, split=split, filetype_suffix="tfrecord")
        lengths, num_bytes = [], 0
        for part in part_infos:
            if split not in part.splits:
                continue
            for path, n in zip(part.splits[split].filepaths, part.splits[split].shard_lengths):
                dest = template.sharded_filepath(shard_index=len(lengths), num_shards=None)
                _link_or_copy(os.fspath(path), os.fspath(dest))
                lengths.append(n)
            num_bytes += part.splits[split].num_bytes
            for key in counts:
                counts[key][split] += int(part.metadata[key][split])
        split_infos.append(tfds.core.SplitInfo(name=split, shard_lengths=lengths,
                                               num_bytes=num_bytes, filename_template=template))
    info.set_file_format("tfrecord")
    info.set_splits(tfds.core.SplitDict(split_infos))
    info.write_to_directory(directory)


def _link_or_copy(src: str, dst: str) -> None:
    if tf.io.gfile.exists(dst):
        tf.io.gfile.remove(dst)
    try:
        os.link(src, dst)
    except OSError:  # another filesystem, or not a local path (gs://...)
        tf.io.gfile.copy(src, dst, overwrite=True)


def open_dataset(directory: str) -> tfds.core.DatasetBuilder:
    """The TFDS builder of a dataset directory, with a one-line error if it is not one."""
    if not tf.io.gfile.exists(os.path.join(directory, "dataset_info.json")):
        raise FileNotFoundError(f"{directory}: not a worldmodels dataset (no dataset_info.json)")
    return tfds.builder_from_directory(directory)


def split_counts(directory: str, split: str) -> tuple[int, int]:
    """(episodes, transitions) of a split, from the dataset's metadata."""
    meta = open_dataset(directory).info.metadata or {}
    try:
        return int(meta["episodes"][split]), int(meta["steps"][split])
    except KeyError:
        raise KeyError(f"{directory}: metadata.json has no counts for split {split!r}") from None


def split_files(builder: tfds.core.DatasetBuilder, split: str) -> list[str]:
    if split not in builder.info.splits:
        raise KeyError(f"{builder.data_dir}: no split {split!r} "
                       f"(has {', '.join(builder.info.splits.keys())})")
    return [os.fspath(p) for p in builder.info.splits[split].filepaths]


def find_corrupt_shard(files: Iterable[str]) -> CorruptShardError | None:
    """Reads each shard through to find the first one TFRecord's checksums reject."""
    for path in files:
        try:
            for _ in tf.data.TFRecordDataset(path):
                pass
        except (tf.errors.DataLossError, tf.errors.OutOfRangeError,
                tf.errors.InvalidArgumentError) as err:
            return CorruptShardError(f"{path}: corrupt or truncated TFRecord shard "
                                     f"({_reason(err)})")
    return None


def checked(dataset: tf.data.Dataset, files: list[str]):
    """Iterates `dataset`; a read failure becomes a CorruptShardError naming the shard."""
    try:
        yield from dataset
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as err:
        raise (find_corrupt_shard(files) or CorruptShardError(
            f"{files[0] if len(files) == 1 else 'one of ' + str(len(files)) + ' shards'}: "
            f"unreadable ({_reason(err)})")) from None


def _reason(err: tf.errors.OpError) -> str:
    """TensorFlow's own words without its op-name wrapping: 'corrupted record at 12'."""
    text = re.sub(r"\{\{[^}]*\}\}|\[Op:[^\]]*\].*", "", err.message.splitlines()[0])
    return text.strip() or type(err).__name__


def episode_steps(episode: dict) -> dict:
    """An episode's steps dataset as tensors, all steps at once (an episode fits in memory)."""
    return episode["steps"].batch(1 << 30).get_single_element()


def read_episode_arrays(directory: str, split: str, limit: int | None = None) -> list[dict]:
    """Small splits, or the first `limit` episodes of a large one (tests, reports): episodes
    as numpy arrays."""
    builder = open_dataset(directory)
    files = split_files(builder, split)
    ds = builder.as_dataset(split=split).take(-1 if limit is None else limit).map(
        lambda ep: {**{k: v for k, v in ep.items() if k != "steps"},
                    "steps": episode_steps(ep)})
    return [tfds.as_numpy(ep) for ep in checked(ds, files)]

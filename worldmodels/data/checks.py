"""A stage's input artifacts checked before its work starts: a deleted or truncated shard, or
a missing SavedModel, ends in one line naming the artifact and the file, not hours later.

A dataset's check walks each shard's TFRecord framing by seeking (8-byte length, 4-byte CRC,
the record, 4-byte CRC), reading 12 bytes a record and no payload, and compares the record
count with the shard length in dataset_info.json. It costs milliseconds even for the paper's
10,000 episodes; a flipped byte inside a record still surfaces when it is read
(`rlds.checked`), naming the shard.
"""
from __future__ import annotations

import os
import struct

import tensorflow as tf

from worldmodels import layout
from worldmodels.data import rlds

HEADER, FOOTER = 12, 4  # uint64 length + uint32 CRC of it; uint32 CRC of the record


class ArtifactError(RuntimeError):
    """A missing or damaged input artifact: `directory` is the artifact, `file` the culprit."""

    def __init__(self, directory: str, file: str, problem: str, name: str = "artifact"):
        super().__init__(f"{name} {directory}: {file}: {problem}")
        self.directory, self.file, self.problem = directory, file, problem

    def named(self, name: str) -> "ArtifactError":
        """The same error with the artifact's name, e.g. "input 'rollouts' (MLMD id 3)"."""
        return ArtifactError(self.directory, self.file, self.problem, name)


def tfrecord_count(path: str) -> tuple[int, int | None]:
    """(whole records, byte offset where the framing breaks, or None when it ends cleanly)."""
    size = tf.io.gfile.stat(path).length
    count, offset = 0, 0
    with tf.io.gfile.GFile(path, "rb") as f:
        while offset < size:
            if offset + HEADER > size:
                return count, offset
            f.seek(offset)
            (length,) = struct.unpack("<Q", f.read(8))
            end = offset + HEADER + length + FOOTER
            if end > size:
                return count, offset
            count, offset = count + 1, end
    return count, None


def check_dataset(directory: str) -> None:
    """Every shard that dataset_info.json lists exists and holds its listed records whole."""
    info_path = os.path.join(directory, "dataset_info.json")
    if not tf.io.gfile.exists(info_path):
        raise ArtifactError(directory, info_path, "missing: not a worldmodels dataset")
    splits = rlds.open_dataset(directory).info.splits
    for split in splits.values():
        for path, listed in zip(split.filepaths, split.shard_lengths):
            path = os.fspath(path)
            if not tf.io.gfile.exists(path):
                raise ArtifactError(directory, path, f"missing; dataset_info.json lists "
                                                     f"{listed} episode(s) in it")
            count, broken = tfrecord_count(path)
            if broken is not None:
                raise ArtifactError(directory, path, f"truncated TFRecord shard: {count} whole "
                                                     f"record(s), then one cut at byte "
                                                     f"{broken:,}; dataset_info.json lists {listed}")
            if count != listed:
                raise ArtifactError(directory, path, f"{count} record(s) where dataset_info.json "
                                                     f"lists {listed}")


def check_saved_model(directory: str) -> None:
    """A Model artifact holds its SavedModel under Format-Serving."""
    check_files(directory, os.path.join(layout.SERVING_DIR, "saved_model.pb"))


def check_files(directory: str, *names: str) -> None:
    for name in names:
        path = os.path.join(directory, name)
        if not tf.io.gfile.exists(path):
            raise ArtifactError(directory, path, "missing")

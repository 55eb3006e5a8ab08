"""V's and M's checkpoints: the newest one restored only after all of it was read back, a
damaged one named in one line (never silently skipped: that would redo finished training),
and a diverged loss reported with the last good checkpoint, which is kept."""
from __future__ import annotations

import os
import re

import tensorflow as tf

_NUMBER = re.compile(r"ckpt-(\d+)\.index$")


class CheckpointError(ValueError):
    """A damaged checkpoint; the message names the file."""


class NaNLossError(FloatingPointError):
    """Training diverged; the message names the model, the step and the last good checkpoint."""


def restore_newest(ckpt: tf.train.Checkpoint, manager: tf.train.CheckpointManager) -> int:
    """Restores the manager's newest checkpoint, if any; returns its step (0 if none)."""
    directory = manager.directory
    on_disk = [int(m[1]) for m in map(_NUMBER.search, _listdir(directory)) if m]
    path = manager.latest_checkpoint
    if path is None and on_disk:
        raise CheckpointError(f"{os.path.join(directory, 'checkpoint')}: unreadable list of "
                              f"checkpoints (ckpt-{max(on_disk)} is there); delete {directory} "
                              "to train from the start")
    if path is None:
        return 0
    try:  # read every tensor first: a restore defers the optimizer's, failing mid-training
        reader = tf.train.load_checkpoint(path)
        for name in reader.get_variable_to_shape_map():
            reader.get_tensor(name)
    except (tf.errors.OpError, ValueError, IndexError) as err:
        message = err.message if isinstance(err, tf.errors.OpError) else str(err)
        raise CheckpointError(f"{path}: damaged checkpoint ({' '.join(message.split())}); "
                              f"delete its files ({os.path.basename(path)}.*) to resume from "
                              "the one before, or the directory to train from the start") from None
    ckpt.restore(path)
    return int(_NUMBER.search(path + ".index")[1])


def diverged(model: str, loss: float, step: int, manager: tf.train.CheckpointManager
             ) -> NaNLossError:
    path = manager.latest_checkpoint
    kept = (f"the last good checkpoint, {path}, is kept" if path else
            "no checkpoint had been written yet")
    return NaNLossError(f"{model}: loss is {loss} at step {step}; {kept}; a lower learning "
                        "rate or gradient clip usually helps")


def _listdir(directory: str) -> list[str]:
    return os.listdir(directory) if os.path.isdir(directory) else []

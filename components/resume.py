"""Resuming a killed stage: gather what unfinished earlier attempts with the same inputs and
parameters left in their working directories, and continue from there.

TFX gives each execution a new stateful working directory and removes it only when the
execution succeeds, so a killed attempt's checkpoints, search state and finished shards stay
in a sibling directory. They are moved, not copied (a rollouts stage's shards can be large),
and the marker is written first, so a kill during the move loses nothing: the next attempt
gathers from every marked sibling, oldest first, newer files replacing older ones.
"""
from __future__ import annotations

import hashlib
import os

_KEY_FILE = "resume_key"


def adopt(working_dir: str, key: str) -> str:
    """Marks `working_dir` with `key`'s digest and moves into it the contents of every sibling
    directory with the same digest. Returns `working_dir`."""
    digest = hashlib.sha256(key.encode()).hexdigest()
    working_dir = os.path.normpath(working_dir)
    os.makedirs(working_dir, exist_ok=True)
    with open(os.path.join(working_dir, _KEY_FILE), "w") as f:
        f.write(digest)
    parent = os.path.dirname(working_dir)
    siblings = [os.path.join(parent, d) for d in os.listdir(parent)]
    matches = [d for d in siblings if d != working_dir and _digest(d) == digest]
    for sibling in sorted(matches, key=os.path.getmtime):
        _move_into(sibling, working_dir)
    return working_dir


def _move_into(src: str, dst: str) -> None:
    for name in os.listdir(src):
        if name == _KEY_FILE:
            continue
        source, target = os.path.join(src, name), os.path.join(dst, name)
        if os.path.isdir(source) and os.path.isdir(target):
            _move_into(source, target)
        else:
            os.replace(source, target)


def _digest(directory: str) -> str | None:
    try:
        with open(os.path.join(directory, _KEY_FILE)) as f:
            return f.read().strip()
    except OSError:
        return None

"""Adopting a killed attempt's working directory: moved, gathered from every attempt, and
never taken from an attempt with other inputs or parameters."""
from __future__ import annotations

import os
import time

from components import resume


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


def test_a_new_attempt_gathers_every_earlier_attempt_with_the_same_key(tmp_path):
    first, second, other = (str(tmp_path / n) for n in ("1", "2", "3"))
    resume.adopt(first, "key")
    write(f"{first}/parts/a/data", "a")
    write(f"{first}/state", "old")
    time.sleep(0.01)
    resume.adopt(other, "another key")
    write(f"{other}/parts/x/data", "x")
    resume.adopt(second, "key")  # killed while moving: gathered 'a' and 'state' only
    write(f"{first}/parts/b/data", "b")  # what the move had not reached yet
    os.utime(first, (time.time() - 60, time.time() - 60))
    write(f"{second}/state", "new")
    third = resume.adopt(str(tmp_path / "4"), "key")
    assert sorted(os.listdir(f"{third}/parts")) == ["a", "b"]
    assert read(f"{third}/parts/a/data") == "a" and read(f"{third}/parts/b/data") == "b"
    assert read(f"{third}/state") == "new"  # the newer attempt's file wins
    assert os.listdir(first) == ["resume_key"] and not os.path.exists(f"{third}/parts/x")
    assert read(f"{other}/parts/x/data") == "x"

"""One run per root: `worldmodels run` holds an exclusive lock on ROOT/.worldmodels.lock.

The lock is the kernel's (flock), so it goes when its process goes: a run killed by SIGKILL or
a crash never leaves the root locked, and the next run takes over. The file names the holder
(pid, start time, command) for the one-line refusal."""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sys
import time

LOCK_FILE = ".worldmodels.lock"


class RootInUse(RuntimeError):
    """Another live process holds the root."""


def _holder(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    try:
        info = json.loads(os.read(fd, 4096).decode() or "{}")
    except ValueError:
        info = {}
    if "pid" not in info:
        return "another process"
    return f"pid {info['pid']} (started {info['started']}: {info['command']})"


@contextlib.contextmanager
def hold(root: str, wait: bool = False):
    """Holds the root for the block. Raises RootInUse naming the holder, or with `wait`,
    waits until the holder ends."""
    path = os.path.join(root, LOCK_FILE)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise RootInUse(f"--root {root}: in use by {_holder(fd)}; pass --wait to wait "
                                "for it") from None
            print(f"worldmodels: --root {root} is in use by {_holder(fd)}; waiting",
                  file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, json.dumps({
            "pid": os.getpid(), "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "command": " ".join(os.path.basename(a) if i == 0 else a
                                for i, a in enumerate(sys.argv))}).encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock

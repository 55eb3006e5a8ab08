"""One run per root: a second holder is refused with the first one's pid, waits with --wait,
and takes over the lock of a process that died."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline import cli
from worldmodels import root_lock

HOLD = """
import sys, time
from worldmodels import root_lock
with root_lock.hold(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def holder(root: str, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, root, str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_second_run_is_refused_in_one_line_naming_the_holder(tmp_path, capsys):
    proc = holder(str(tmp_path), 60)
    try:
        with pytest.raises(root_lock.RootInUse, match=rf"^--root {tmp_path}: in use by pid "
                                                      rf"{proc.pid} \(started "):
            with root_lock.hold(str(tmp_path)):
                pass
        assert cli.main(["run", "--preset", "tiny", "--root", str(tmp_path)]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith(f"worldmodels: error: --root {tmp_path}: in use by pid {proc.pid}")
        assert "--wait" in err[-1]
        assert sorted(os.listdir(tmp_path)) == [root_lock.LOCK_FILE]  # nothing was started
    finally:
        proc.kill()
        proc.wait()


def test_wait_holds_the_root_once_the_holder_ends(tmp_path):
    proc = holder(str(tmp_path), 1.5)
    start = time.time()
    with root_lock.hold(str(tmp_path), wait=True):
        assert time.time() - start > 0.5  # it waited for the holder's sleep
        assert proc.wait(timeout=10) == 0  # which ended normally, releasing the root


def test_lock_of_a_killed_process_is_taken_over(tmp_path):
    proc = holder(str(tmp_path), 60)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with root_lock.hold(str(tmp_path)):  # no error: the kernel released the dead one's lock
        with pytest.raises(root_lock.RootInUse, match=rf"in use by pid {os.getpid()} "):
            with root_lock.hold(str(tmp_path)):
                pass

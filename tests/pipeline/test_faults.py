"""Faults a user meets, through the `worldmodels` command on a copy of the shared tiny run
(its upstream stages cached): each ends in one line naming the thing, nothing finished is
lost, and a rerun goes on. A diverged M, a full disk while M checkpoints (a file-size limit
stands in for a small disk: the writes fail the same way), and Ctrl-C mid-search."""
from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import subprocess
import sys

import pytest

from tests.pipeline.runs import REPO, cli
from worldmodels.inspect import metadata

pytestmark = pytest.mark.slow


def error_lines(stderr: str) -> list[str]:
    """What the user reads besides progress lines."""
    return [line for line in stderr.splitlines()
            if line.strip() and not re.match(r"^\[.+\] \d+/\d+ ", line)
            and not line.startswith("worldmodels: running")]


@pytest.fixture
def root(tiny_root, tmp_path):
    copy = str(tmp_path / "root")
    shutil.copytree(tiny_root[0], copy)
    return copy


def test_a_diverged_memory_stops_in_one_line(root):
    result = cli("run", "--preset", "tiny", "--root", root, "--set", "rnn.learning_rate=1e30",
                 "--set", "rnn.checkpoint_every=1")
    assert result.returncode == 1
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr[-3000:]
    assert re.match(r"^worldmodels: error: rnn: loss is (nan|inf) at step \d+; the last good "
                    r"checkpoint, .*/RNNTrainer/\.system/stateful_working_dir/.*/ckpt-\d+, is "
                    r"kept; a lower learning rate", lines[0]), lines[0]


def test_a_full_disk_while_checkpointing_stops_in_one_line_and_a_rerun_resumes(root):
    limit = 1_000_000  # bytes a file may hold: rollouts shards fit (cached anyway), M's
    # checkpoint (LSTM 256 with Adam's slots, about 4 MB) does not

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    args = ("run", "--preset", "tiny", "--root", root, "--set", "rnn.steps=12")
    full = subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=900, preexec_fn=small_disk)
    assert full.returncode == 1
    lines = error_lines(full.stderr)
    assert len(lines) == 1, full.stderr[-3000:]
    assert re.match(r"^worldmodels: error: .*/RNNTrainer/.*ckpt-5.*File too large \(disk full: "
                    r"finished work is kept; free space and run again to resume\)$", lines[0])
    rerun = cli(*args)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    stages = {name: cached for name, _, cached in metadata.stage_times(root)}
    assert stages["RolloutGen"] and stages["VAETrainer"] and not stages["RNNTrainer"]


def interruptible():
    """A foreground command's Ctrl-C handling, also when the tests themselves run in the
    background (a shell starts background jobs with SIGINT ignored, and Python keeps that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_cleanly_and_a_rerun_resumes_the_search(root):
    args = ["run", "--preset", "tiny", "--root", root, "--set", "controller.generations=4"]
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "WORLDMODELS_PROGRESS_SECONDS": "0"},
                            start_new_session=True, preexec_fn=interruptible)
    stderr = []
    for line in proc.stderr:
        stderr.append(line)
        if line.startswith("[CMA-ES] 2/4"):
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends
            break
    stderr += proc.stderr.readlines()
    assert proc.wait(timeout=120) == 130
    assert error_lines("".join(stderr)) == [
        "worldmodels: interrupted; finished stages are kept and a rerun resumes"]
    rerun = cli(*args)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    store = metadata.open_store(root)
    search = metadata.finished_executions(store, "components.controller_search.ControllerSearch")
    run = metadata.output_artifacts(store, search[-1].id)["model_run"]
    assert run.custom_properties["resumed_from_generation"].int_value >= 2

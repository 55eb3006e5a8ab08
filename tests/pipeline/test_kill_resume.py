"""Crash-proof runs: the tiny pipeline SIGKILLed at seeded random moments in every stage (two
kills in each, chosen from its progress lines; the Evaluator's from its working directory
appearing), rerun after each kill, ends with every artifact equal to an uninterrupted run's:
the same episodes and latents, V and M weights bit for bit, the same CMA-ES history and
controller, the same evaluation."""
from __future__ import annotations

import glob
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import tensorflow as tf

from tests.pipeline.runs import REPO
from worldmodels import layout, report
from worldmodels.data import rlds

pytestmark = pytest.mark.slow

STAGES = (("rollouts", 6), ("V (vae)", 10), ("encode", 3), ("MDN-RNN", 10), ("CMA-ES", 3))
PROGRESS = re.compile(r"^\[(.+?)\] (\d+)/(\d+) ")
TIMING = ("wall_time_s", "elapsed_s")  # the only history fields a kill may change


def kill_plan(seed: int) -> list[tuple[str, float]]:
    """Two kills per stage: (progress description, count to reach) in pipeline order, then
    two Evaluator kills (seconds after its working directory appears)."""
    rng = np.random.default_rng(seed)
    plan = []
    for desc, total in STAGES:
        plan += [(desc, int(k)) for k in sorted(rng.integers(1, total + 1, 2))]
    return plan + [("Evaluator", float(s)) for s in rng.uniform(0.0, 3.0, 2)]


def run_until(root: str, target: tuple[str, float], timeout: float = 600) -> bool:
    """Runs the tiny pipeline; SIGKILLs its process group when `target` is reached. Returns
    whether it was killed (False: the run finished first)."""
    env = {**os.environ, "WORLDMODELS_PROGRESS_SECONDS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "worldmodels.cli", "run", "--preset", "tiny",
                             "--root", root], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True).start()
    desc, at = target
    evaluator_dirs = os.path.join(root, "pipeline/Evaluator/.system/stateful_working_dir/*")
    seen_at, deadline = None, time.time() + timeout
    while time.time() < deadline:
        try:
            line = lines.get(timeout=0.05)
        except queue.Empty:
            line = None
        if proc.poll() is not None and line is None and lines.empty():
            assert proc.returncode == 0, f"run failed with {proc.returncode}"
            return False
        if desc == "Evaluator":
            if seen_at is None and glob.glob(evaluator_dirs):
                seen_at = time.time()
            hit = seen_at is not None and time.time() >= seen_at + at
        else:
            match = PROGRESS.match(line or "")
            hit = bool(match and match[1] == desc and int(match[2]) >= at)
        if hit:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
    os.killpg(proc.pid, signal.SIGKILL)
    raise TimeoutError(f"the run neither reached {target} nor finished in {timeout}s")


def weights(model_uri: str) -> dict:
    reader = tf.train.load_checkpoint(os.path.join(model_uri, layout.SERVING_DIR, "variables",
                                                   "variables"))
    return {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}


def assert_same_weights(a: str, b: str) -> None:
    left, right = weights(a), weights(b)
    assert left.keys() == right.keys() and left
    for name in left:
        np.testing.assert_array_equal(left[name], right[name], err_msg=name)


def assert_same_episodes(a: str, b: str) -> None:
    for split in rlds.SPLITS:
        left, right = rlds.read_episode_arrays(a, split), rlds.read_episode_arrays(b, split)
        assert len(left) == len(right) > 0
        for x, y in zip(left, right):
            assert x["episode_id"] == y["episode_id"] and x["seed"] == y["seed"]
            for name in x["steps"]:
                if isinstance(x["steps"][name], dict):
                    for key in x["steps"][name]:
                        np.testing.assert_array_equal(x["steps"][name][key], y["steps"][name][key])
                else:
                    np.testing.assert_array_equal(x["steps"][name], y["steps"][name])


def without_timing(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in TIMING} for row in history]


def test_killed_everywhere_and_resumed_equals_uninterrupted(tiny_root, tmp_path):
    root, _ = tiny_root
    killed_root = str(tmp_path / "killed")
    kills = []
    for target in kill_plan(seed=12):
        if run_until(killed_root, target):
            kills.append(target[0])
    assert not run_until(killed_root, ("never", 0))  # the last rerun finishes
    assert {desc: kills.count(desc) for desc in kills} == {
        desc: 2 for desc in [d for d, _ in STAGES] + ["Evaluator"]}

    want, got = report.find_run(root), report.find_run(killed_root)
    assert_same_episodes(want.uri("RolloutGen"), got.uri("RolloutGen"))
    assert_same_weights(want.uri("VAETrainer"), got.uri("VAETrainer"))
    assert_same_episodes(want.uri("LatentTransform"), got.uri("LatentTransform"))
    assert_same_weights(want.uri("RNNTrainer"), got.uri("RNNTrainer"))
    assert without_timing(got.history) == without_timing(want.history)
    np.testing.assert_array_equal(np.load(os.path.join(got.uri("ControllerSearch"), "params.npy")),
                                  np.load(os.path.join(want.uri("ControllerSearch"), "params.npy")))
    assert_same_weights(want.uri("Evaluator"), got.uri("Evaluator"))
    assert got.evaluation == want.evaluation

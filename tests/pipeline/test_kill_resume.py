"""Crash-proof runs: the tiny pipeline SIGKILLed at seeded random moments in every stage (two
kills in each, chosen from its progress lines; the Evaluator's from its working directory
appearing), rerun after each kill, ends with every artifact equal to an uninterrupted run's:
the same episodes and latents, V, M and agent weights bit for bit, the same CMA-ES history
(where and how long aside) and controller, the same evaluation (tests/pipeline/compare.py)."""
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

from tests.pipeline import compare
from tests.pipeline.runs import REPO, assert_round_follows, cli, stages, wiring

pytestmark = pytest.mark.slow

STAGES = (("rollouts", 6), ("V (vae)", 10), ("encode", 3), ("MDN-RNN", 10), ("CMA-ES", 3))
PROGRESS = re.compile(r"^\[(.+?)\] (\d+)/(\d+) ")


def kill_plan(seed: int) -> list[tuple[str, float]]:
    """Two kills per stage: (progress description, count to reach) in pipeline order, then
    two Evaluator kills (seconds after its working directory appears)."""
    rng = np.random.default_rng(seed)
    plan = []
    for desc, total in STAGES:
        plan += [(desc, int(k)) for k in sorted(rng.integers(1, total + 1, 2))]
    return plan + [("Evaluator", float(s)) for s in rng.uniform(0.0, 3.0, 2)]


def run_until(root: str, target: tuple[str, float], timeout: float = 600, rounds: int = 1) -> bool:
    """Runs the tiny pipeline (`rounds` rounds); SIGKILLs its process group when `target` is
    reached (the Evaluator's: the last round's). Returns whether it was killed (False: the
    run finished first)."""
    env = {**os.environ, "WORLDMODELS_PROGRESS_SECONDS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "run", "--preset", "tiny",
                             "--root", root, "--rounds", str(rounds)], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stderr], daemon=True).start()
    desc, at = target
    evaluator = "Evaluator" if rounds == 1 else f"Evaluator_round{rounds}"
    evaluator_dirs = os.path.join(root, f"pipeline/{evaluator}/.system/stateful_working_dir/*")
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

    compare.assert_same_artifacts(killed_root, root)


def test_a_killed_second_round_resumes_exactly_and_a_third_round_runs_alone(tiny_rounds_root,
                                                                            tmp_path):
    """Round 1 finished, round 2 killed twice in each of its stages (its own RolloutGen, M, C
    and Evaluator; V is round 1's) and rerun each time: its artifacts equal an uninterrupted
    two-round run's. The finished run given a third round then runs only round 3."""
    reference, _ = tiny_rounds_root
    killed_root = str(tmp_path / "killed")
    assert not run_until(killed_root, ("never", 0))  # round 1, whole
    rng = np.random.default_rng(34)
    plan = [(desc, int(k)) for desc, total in STAGES if desc != "V (vae)"
            for k in sorted(rng.integers(1, total + 1, 2))]
    plan += [("Evaluator", float(s)) for s in rng.uniform(0.0, 3.0, 2)]
    kills = [target[0] for target in plan if run_until(killed_root, target, rounds=2)]
    assert not run_until(killed_root, ("never", 0), rounds=2)
    assert sorted(set(kills)) == sorted({"rollouts", "encode", "MDN-RNN", "CMA-ES", "Evaluator"})
    compare.assert_same_artifacts(killed_root, reference)  # each stage's newest: round 2's
    three = cli("run", "--preset", "tiny", "--root", killed_root, "--rounds", "3")
    assert three.returncode == 0, three.stderr[-3000:]
    ran = [name for name, how in stages(three).items() if not how.endswith("(cached)")]
    assert ran == ["RolloutGen_round3", "LatentTransform_round3", "RNNTrainer_round3",
                   "ControllerSearch_round3", "Evaluator_round3"]
    assert_round_follows(*wiring(killed_root), 3)

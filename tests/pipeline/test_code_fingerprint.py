"""A cache that knows the code: the tiny pipeline run from a copy of the package, first
unedited (every stage served from the cache of the shared tiny run), then with one line of
the dream changed (ControllerSearch and the Evaluator re-run, the stages before them cached),
then of V's training (VAETrainer and everything after it re-run, RolloutGen still cached),
then of the report (nothing re-runs)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.pipeline.runs import REPO
from worldmodels.inspect import metadata

pytestmark = pytest.mark.slow

AFTER_V = ["VAETrainer", "LatentTransform", "RNNTrainer", "ControllerSearch", "Evaluator"]


def run_from(code: str, root: str) -> dict[str, bool]:
    """Runs the tiny pipeline with the package in `code`; returns each stage's cached flag."""
    result = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--preset", "tiny",
                             "--root", root], cwd=code, capture_output=True, text=True,
                            timeout=900, env={**os.environ, "PYTHONPATH": code})
    assert result.returncode == 0, result.stderr[-3000:]
    return {name: cached for name, _, cached in metadata.stage_times(root)}


def test_editing_v_training_reruns_exactly_the_stages_that_depend_on_it(tiny_root, tmp_path):
    shared_root, _ = tiny_root
    code, root = str(tmp_path / "code"), str(tmp_path / "root")
    for package in ("worldmodels", "components", "pipeline"):
        shutil.copytree(os.path.join(REPO, package), os.path.join(code, package),
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(shared_root, root)  # its store points at the shared run's artifacts

    assert run_from(code, root) == {name: True for name in ["RolloutGen"] + AFTER_V}

    with open(os.path.join(code, "worldmodels", "engine", "dream.py"), "a") as f:
        f.write("\nEDITED = True  # one changed line in the dream\n")
    assert run_from(code, root) == {"RolloutGen": True, "VAETrainer": True,
                                    "LatentTransform": True, "RNNTrainer": True,
                                    "ControllerSearch": False, "Evaluator": False}

    with open(os.path.join(code, "worldmodels", "training", "vae_train.py"), "a") as f:
        f.write("\nEDITED = True  # one changed line in V's training\n")
    assert run_from(code, root) == {"RolloutGen": True, **{name: False for name in AFTER_V}}

    with open(os.path.join(code, "worldmodels", "inspect", "report.py"), "a") as f:
        f.write("\nEDITED = True  # no component imports the report\n")
    assert run_from(code, root) == {name: True for name in ["RolloutGen"] + AFTER_V}

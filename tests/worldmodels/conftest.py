"""One tiny pipeline run shared by the report, play, lineage and notebook tests (session
scope: a run costs about a minute here, and none of these tests changes it)."""
from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> str:
    root = str(tmp_path_factory.mktemp("tiny_run"))
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "run", "--preset", "tiny", "--root", root],
        capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return root


@pytest.fixture(scope="session")
def untrained_model_dirs(tmp_path_factory) -> tuple[str, str]:
    """An untrained V and M as SavedModels: (vae_dir, rnn_dir)."""
    from tests.worldmodels.fakes import save_untrained_models

    return save_untrained_models(tmp_path_factory.mktemp("untrained"))

"""One tiny and one doom_tiny pipeline run (the README's main commands) and one tiny run of
two rounds, each shared by the pipeline tests."""
from __future__ import annotations

import pytest

from tests.pipeline.runs import cli


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("tiny"))
    result = cli("run", "--preset", "tiny", "--root", root)
    assert result.returncode == 0, result.stderr[-3000:]
    return root, result


@pytest.fixture(scope="session")
def tiny_rounds_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("tiny_rounds"))
    result = cli("run", "--preset", "tiny", "--root", root, "--rounds", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    return root, result


@pytest.fixture(scope="session")
def doom_tiny_root(tmp_path_factory):
    """(root, result, the VizDoom engines running before it, the run's working directory),
    the run started from an empty working directory."""
    from tests.worldmodels.env.test_doom import game_processes

    root, cwd = str(tmp_path_factory.mktemp("doom")), str(tmp_path_factory.mktemp("doom_cwd"))
    before = game_processes()
    result = cli("run", "--preset", "doom_tiny", "--root", root, cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    return root, result, before, cwd

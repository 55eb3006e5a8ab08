"""One tiny pipeline run (the README's main command) shared by the pipeline tests."""
from __future__ import annotations

import pytest

from tests.pipeline.runs import cli


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("tiny"))
    result = cli("run", "--preset", "tiny", "--root", root)
    assert result.returncode == 0, result.stderr[-3000:]
    return root, result

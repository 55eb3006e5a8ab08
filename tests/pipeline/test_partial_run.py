"""`worldmodels run --until COMPONENT`: the components up to it run (a laboratory's rollouts,
V and M without the search), and a later whole run takes them from the cache."""
from __future__ import annotations

import pytest

from tests.pipeline.runs import cli
from worldmodels.inspect import metadata

pytestmark = pytest.mark.slow


def test_a_run_until_m_leaves_the_search_to_a_later_run_that_reuses_the_rest(tmp_path):
    root = str(tmp_path / "root")
    first = cli("run", "--preset", "tiny", "--root", root, "--until", "RNNTrainer")
    assert first.returncode == 0, first.stderr[-3000:]
    lines = first.stdout.splitlines()
    assert [name.split()[0] for name in lines[1].removeprefix("stages: ").split(", ")] == [
        "RolloutGen", "VAETrainer", "LatentTransform", "RNNTrainer"]
    assert lines[2].startswith(f"stopped after RNNTrainer: model {root}/pipeline/RNNTrainer/model/")
    store = metadata.open_store(root)
    assert not metadata.finished_executions(store, "components.controller_search.ControllerSearch")
    whole = cli("run", "--preset", "tiny", "--root", root)
    assert whole.returncode == 0, whole.stderr[-3000:]
    stages = dict(s.split(" ", 1) for s in whole.stdout.splitlines()[1].removeprefix(
        "stages: ").split(", "))
    assert [name for name, how in stages.items() if how.endswith("(cached)")] == [
        "RolloutGen", "VAETrainer", "LatentTransform", "RNNTrainer"]
    assert "score: " in whole.stdout

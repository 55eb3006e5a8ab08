"""lineage(): the chain from the agent back to the rollouts, read from ML Metadata."""
from __future__ import annotations

import os

import pytest

from worldmodels.inspect import lineage, metadata

pytestmark = pytest.mark.slow

CHAIN = [  # depth-first from the agent: (depth, producing component, artifact type)
    (0, "Evaluator", "Model"),
    (1, "ControllerSearch", "Model"),
    (2, "RNNTrainer", "Model"),
    (3, "LatentTransform", "worldmodels.LatentSeries"),
    (4, "RolloutGen", "worldmodels.Rollouts"),
    (4, "VAETrainer", "Model"),
]


def test_the_agent_goes_back_to_the_rollouts(tiny_run):
    rows = lineage.lineage(tiny_run)
    first = [r for r in rows if not r["repeated"]]
    assert [(r["depth"], r["component"], r["type"]) for r in first] == CHAIN
    assert rows[0]["artifact_id"] == metadata.latest_agent(tiny_run).artifact_id
    by_component = {r["component"]: r for r in first}
    for row in first:
        assert row["state"] == "COMPLETE" and row["cached_by"] == []
        assert os.path.isdir(row["uri"]), row["uri"]
    # every producer ran after the producers of its inputs
    order = ["RolloutGen", "VAETrainer", "LatentTransform", "RNNTrainer", "ControllerSearch",
             "Evaluator"]
    times = [by_component[name]["time"] for name in order]
    assert times == sorted(times)
    assert by_component["RolloutGen"]["properties"]["episodes"] == 6  # tiny: 4 train + 2 eval
    assert by_component["ControllerSearch"]["properties"]["generations"] == 3
    assert by_component["RolloutGen"]["parameters"]["config"]["env"]["max_steps"] == 80
    # VAETrainer's model is also an input of ControllerSearch and the Evaluator: shown once
    repeated = [r for r in rows if r["repeated"]]
    assert {r["component"] for r in repeated} == {"RolloutGen", "VAETrainer", "RNNTrainer"}


def test_from_a_given_artifact(tiny_run):
    vae = next(r for r in lineage.lineage(tiny_run) if r["component"] == "VAETrainer")
    rows = lineage.lineage(tiny_run, vae["artifact_id"])
    assert [(r["depth"], r["component"], r["type"]) for r in rows] == [
        (0, "VAETrainer", "Model"), (1, "RolloutGen", "worldmodels.Rollouts")]


def test_unknown_artifact_is_one_clear_error(tiny_run):
    with pytest.raises(LookupError, match="artifact 999999: not in"):
        lineage.lineage(tiny_run, 999999)

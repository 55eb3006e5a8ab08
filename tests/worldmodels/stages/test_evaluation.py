"""The Evaluator's export check holds at the search's batch sizes: the exported agent
SavedModel, stepped alone, acts as the search's batched policy does at 1, 7 and 16
environments a batch, within EXPORT_ACTION_TOLERANCE; a different controller fails it."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels import agent, config as configlib, seeds, serving
from worldmodels.models.mdnrnn import MDNRNN
from worldmodels.models.vae import ConvVAE
from worldmodels.stages import evaluation

CFG = configlib.TINY.replace(env={"max_steps": 25})
PARAMS = np.random.default_rng(0).normal(0, 0.5, 867).astype(np.float32)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    root = tmp_path_factory.mktemp("wm")
    serving.save_vision(ConvVAE(), str(root / "v"))
    serving.save_memory(MDNRNN(), str(root / "m"))
    vision, memory = serving.load(str(root / "v")), serving.load(str(root / "m"))
    agent.export_agent(vision, memory, PARAMS, str(root / "agent"))
    return vision, memory, serving.load(str(root / "agent")), str(root)


@pytest.mark.parametrize("batch", [1, 7, 16])
def test_exported_agent_acts_as_the_batched_search_policy(models, batch):
    vision, memory, exported, _ = models
    track_seeds = [seeds.EVALUATOR_DEFAULT + i for i in range(batch)]
    diff = evaluation.export_action_difference(exported, agent.PopulationPolicy(vision, memory),
                                               PARAMS, track_seeds, CFG)
    assert diff <= evaluation.EXPORT_ACTION_TOLERANCE


def test_a_different_controller_fails_the_check(models):
    vision, memory, _, root = models
    agent.export_agent(vision, memory, PARAMS + 0.1, f"{root}/other")
    diff = evaluation.export_action_difference(serving.load(f"{root}/other"),
                                               agent.PopulationPolicy(vision, memory), PARAMS,
                                               [seeds.EVALUATOR_DEFAULT], CFG)
    assert diff > 100 * evaluation.EXPORT_ACTION_TOLERANCE

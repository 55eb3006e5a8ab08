"""The Evaluator's export check holds at the search's batch sizes: the exported agent
SavedModel, stepped alone, acts as the search's batched policy does at 1, 7 and 16
environments a batch, within EXPORT_ACTION_TOLERANCE; a different controller fails it."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels import config as configlib
from worldmodels import seeds
from worldmodels.engine.policies import WorldModel
from worldmodels.games import CAR_RACING_GAME
from worldmodels.export import agent, serving
from worldmodels.stages import evaluator

CFG = configlib.TINY.replace(env={"max_steps": 25})
PARAMS = np.random.default_rng(0).normal(0, 0.5, 867).astype(np.float32)


@pytest.fixture(scope="module")
def models(untrained_model_dirs, tmp_path_factory):
    root = tmp_path_factory.mktemp("agents")
    vae, rnn = (serving.load(d) for d in untrained_model_dirs)
    agent.export_agent(vae, rnn, PARAMS, CAR_RACING_GAME, str(root / "agent"))
    return vae, rnn, serving.load(str(root / "agent")), str(root)


@pytest.mark.parametrize("batch", [1, 7, 16])
def test_exported_agent_acts_as_the_batched_search_policy(models, batch):
    vae, rnn, exported, _ = models
    track_seeds = [seeds.EVALUATOR_DEFAULT + i for i in range(batch)]
    diff = evaluator.export_action_difference(
        exported, WorldModel(vae, rnn, CAR_RACING_GAME).policy(PARAMS[None]), track_seeds, CFG)
    assert diff <= evaluator.EXPORT_ACTION_TOLERANCE


def test_a_different_controller_fails_the_check(models):
    vae, rnn, _, root = models
    agent.export_agent(vae, rnn, PARAMS + 0.1, CAR_RACING_GAME, f"{root}/other")
    diff = evaluator.export_action_difference(serving.load(f"{root}/other"),
                                              WorldModel(vae, rnn, CAR_RACING_GAME).policy(PARAMS[None]),
                                              [seeds.EVALUATOR_DEFAULT], CFG)
    assert diff > 100 * evaluator.EXPORT_ACTION_TOLERANCE

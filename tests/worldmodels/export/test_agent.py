"""The exported agent acts as the search's population policy does."""
from __future__ import annotations

import numpy as np

from worldmodels.engine.episodes import Job
from worldmodels.engine.policies import SavedAgentPolicy, WorldModel
from worldmodels.games import CAR_RACING_GAME
from worldmodels.export import agent, serving


def test_exported_agent_equals_the_population_policy(untrained_model_dirs, tmp_path):
    vae, rnn = (serving.load(d) for d in untrained_model_dirs)
    params = np.random.default_rng(1).normal(0, 0.5, 867).astype(np.float32)
    agent.export_agent(vae, rnn, params, CAR_RACING_GAME, str(tmp_path / "agent"))
    exported = serving.load(str(tmp_path / "agent"))
    frames = np.random.default_rng(2).integers(0, 256, (3, 96, 96, 3), dtype=np.uint8)
    action, state = exported.act(frames, exported.initial_state(3))
    policy = WorldModel(vae, rnn, CAR_RACING_GAME).policy(params[None])
    policy.reset(3)
    for slot in range(3):
        policy.begin(slot, Job(0, slot))
    want = policy.act(frames, slice(None))
    np.testing.assert_array_equal(action.numpy(), want)
    np.testing.assert_array_equal(state["h"].numpy(), policy.h)
    as_policy = SavedAgentPolicy(exported)
    as_policy.reset(3)
    np.testing.assert_array_equal(as_policy.act(frames, slice(None)), want)

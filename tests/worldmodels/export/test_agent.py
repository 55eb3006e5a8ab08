"""The exported agent acts as the search's population policy does."""
from __future__ import annotations

import numpy as np

from worldmodels.engine.episodes import Job
from worldmodels.engine.policies import WorldModel
from worldmodels.engine.saved_agent import SavedAgentPolicy
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


def test_an_agent_in_bfloat16_acts_as_in_float32_within_a_hundredth(tmp_path):
    """The same V, M and C weights exported in both precisions, driven by the same real
    CarRacing frames for 60 steps, each agent carrying its own state: actions differ by under
    0.01 (of ranges 1 and 2), and both keep float32 signatures."""
    from worldmodels.env.factory import make_env
    from worldmodels.export.rnn import save_rnn
    from worldmodels.export.vae import save_vae
    from worldmodels.models.mdnrnn import MDNRNN
    from worldmodels.models.vae import ConvVAE

    params = np.random.default_rng(1).normal(0, 0.5, 867).astype(np.float32)
    agents = {}
    vae32, rnn32 = ConvVAE(32), MDNRNN()
    for precision in ("float32", "bfloat16"):
        vae, rnn = ConvVAE(32, precision), MDNRNN(precision=precision)
        vae.set_weights(vae32.get_weights())
        rnn.set_weights(rnn32.get_weights())
        save_vae(vae, str(tmp_path / precision / "vae"))
        save_rnn(rnn, str(tmp_path / precision / "rnn"))
        agent.export_agent(serving.load(str(tmp_path / precision / "vae")),
                           serving.load(str(tmp_path / precision / "rnn")), params,
                           CAR_RACING_GAME, str(tmp_path / precision / "agent"))
        agents[precision] = serving.load(str(tmp_path / precision / "agent"))
    env = make_env(CAR_RACING_GAME.env_id, 60)
    frame, _ = env.reset(seed=3)
    states = {p: a.initial_state(1) for p, a in agents.items()}
    largest = 0.0
    for _ in range(60):
        actions = {}
        for p, a in agents.items():
            action, states[p] = a.act(frame[None], states[p])
            assert action.dtype == states[p]["h"].dtype == np.float32
            actions[p] = action.numpy()
        largest = max(largest, float(np.abs(actions["float32"] - actions["bfloat16"]).max()))
        frame, *_ = env.step(actions["float32"][0])
    env.close()
    assert 0 < largest < 0.01

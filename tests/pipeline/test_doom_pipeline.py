"""DoomTakeCover end to end (`--preset doom_tiny`): the same six components on VizDoom's game,
V with z = 64, M with 512 units and a done head, C (577 numbers) searched only in M's dream,
the Evaluator and `play` scoring the agent in the real game, and no game process left."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from tests.pipeline.runs import newest_outputs
from tests.worldmodels.env.test_doom import game_processes
from worldmodels import layout
from worldmodels.data import rlds
from worldmodels.export import serving
from worldmodels.inspect import play

pytestmark = pytest.mark.slow


def test_doom_tiny_learns_in_the_dream_and_plays_the_real_game(doom_tiny_root):
    root, result, before, _ = doom_tiny_root
    assert "over 2 VizdoomTakeCover-v1 episodes" in result.stdout
    out = newest_outputs(root)

    episode = rlds.read_episode_arrays(out["RolloutGen"]["rollouts"], "train", limit=1)[0]
    assert episode["env_id"] == b"VizdoomTakeCover-v1"
    assert episode["steps"]["action"].shape[1:] == (1,)
    assert episode["steps"]["observation"].shape[1:] == (64, 64, 3)
    vae = serving.load(os.path.join(out["VAETrainer"]["model"], layout.SERVING_DIR))
    rnn = serving.load(os.path.join(out["RNNTrainer"]["model"], layout.SERVING_DIR))
    assert (int(vae.z_size), int(rnn.hidden_units)) == (64, 512)
    with open(os.path.join(out["RNNTrainer"]["model_run"], "evaluation.json")) as f:
        assert "eval_done_recall" in json.load(f)

    search = out["ControllerSearch"]["model"]
    assert np.load(os.path.join(search, "params.npy")).shape == (64 + 512 + 1,)
    with open(os.path.join(search, "history.json")) as f:
        history = json.load(f)
    assert [h["environment"] for h in history] == ["dream"] * 3
    assert history[-1]["dream_steps"] > 0 and history[-1]["eval_mean"] > 0  # watched, real

    with open(os.path.join(out["Evaluator"]["evaluation"], "evaluation.json")) as f:
        evaluation = json.load(f)
    assert len(evaluation["returns"]) == 2 and min(evaluation["returns"]) > 0
    assert evaluation["export_max_action_difference"] <= 1e-4
    # The shipped agent knows its game from its screens; play's returns are the Evaluator's.
    returns = play.play(out["Evaluator"]["agent"], 2, evaluation["seeds"][0], max_steps=300)
    assert returns == evaluation["returns"]
    assert game_processes() - before == set()


def test_a_run_writes_nothing_into_its_working_directory(doom_tiny_root):
    _, _, _, cwd = doom_tiny_root
    assert os.listdir(cwd) == []  # VizDoom's engines write their ini into their own folders

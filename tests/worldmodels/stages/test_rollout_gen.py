"""RolloutGen's resume: shards a killed attempt finished are kept, not collected again, and
the dataset holds the very episodes of an uninterrupted attempt (a re-collected shard's bytes
may differ: protobuf does not fix the order of an Example's features)."""
from __future__ import annotations

import os

import numpy as np
import pytest

from tests.worldmodels.env.test_doom import game_processes
from worldmodels import config as configlib
from worldmodels.data import rlds
from worldmodels.stages import rollout_gen

CFG = configlib.TINY.replace(env={"max_steps": 30}, rollouts={"workers": 1})


def assert_same_episodes(a: str, b: str) -> None:
    for split in rlds.SPLITS:
        left, right = rlds.read_episode_arrays(a, split), rlds.read_episode_arrays(b, split)
        assert len(left) == len(right) > 0
        for x, y in zip(left, right):
            assert x.keys() == y.keys()
            for key in x:
                if key == "steps":
                    for name in x["steps"]:
                        np.testing.assert_array_equal(x["steps"][name], y["steps"][name])
                else:
                    assert x[key] == y[key]


def test_a_rerun_keeps_finished_shards_and_writes_the_same_dataset(tmp_path):
    work = str(tmp_path / "work")
    rollout_gen.run(CFG, str(tmp_path / "first"), work_dir=work)
    parts = sorted(os.listdir(os.path.join(work, "parts")))
    assert parts == ["eval-000000004", "train-000000000", "train-000000002"]
    killed = os.path.join(work, "parts", "train-000000002")
    os.remove(os.path.join(killed, rlds.PART_DONE))  # as if killed while writing it
    kept = os.path.join(work, "parts", "train-000000000")
    before = {f: os.stat(os.path.join(kept, f)).st_mtime_ns for f in os.listdir(kept)}
    rollout_gen.run(CFG, str(tmp_path / "second"), work_dir=work)
    assert {f: os.stat(os.path.join(kept, f)).st_mtime_ns for f in os.listdir(kept)} == before
    assert rlds.part_done(killed)
    assert_same_episodes(str(tmp_path / "first"), str(tmp_path / "second"))
    assert rlds.split_counts(str(tmp_path / "second"), "train") == (4, 4 * 30)


def test_without_a_working_directory_the_shards_are_joined_and_removed(tmp_path):
    out = str(tmp_path / "rollouts")
    counts = rollout_gen.run(CFG, out)
    assert not os.path.exists(os.path.join(out, "_parts"))
    assert (counts["episodes"], counts["steps"]) == (6, 6 * 30)
    assert len(counts["worker_ids"]) == 3 and all(":" in w for w in counts["worker_ids"])
    assert rlds.split_counts(out, "train") == (4, 4 * 30)


def test_doom_rollouts_on_two_worker_processes_started_together(tmp_path):
    """Two processes start their games at once (the start lock orders them); both collect,
    every episode is longer than rollouts.min_steps, and no game is left afterwards."""
    cfg = configlib.DOOM_TINY.replace(rollouts={"workers": 2, "train_episodes": 4,
                                                "episodes_per_shard": 1, "min_steps": 40})
    out = str(tmp_path / "rollouts")
    before = game_processes()
    counts = rollout_gen.run(cfg, out)
    assert len(set(counts["worker_ids"])) == 2
    episodes = rlds.read_episode_arrays(out, "train") + rlds.read_episode_arrays(out, "eval")
    assert episodes and all(len(e["steps"]["action"]) > 40 for e in episodes)
    assert all(e["env_id"] == b"VizdoomTakeCover-v1" for e in episodes)
    assert game_processes() - before == set()


def export_constant_agent(untrained_model_dirs, game, path: str) -> str:
    """An agent whose C is all zeros: with an untrained V and M it acts the same at every
    step (CarRacing: steer 0, gas 0.5, brake 0), so its episodes are told from the explorer's."""
    from worldmodels.export import agent, serving

    vae, rnn = (serving.load(d) for d in untrained_model_dirs)
    size = (int(vae.z_size) + int(rnn.hidden_units) + 1) * game.action_size
    agent.export_agent(vae, rnn, np.zeros(size, np.float32), game,
                       os.path.join(path, "Format-Serving"))
    return path


def test_a_later_round_plays_the_agent_after_the_explorer_s_share(untrained_model_dirs,
                                                                  tmp_path):
    from worldmodels.games import CAR_RACING_GAME

    agent_dir = export_constant_agent(untrained_model_dirs, CAR_RACING_GAME,
                                      str(tmp_path / "agent"))
    cfg = configlib.for_round(CFG.replace(rounds={"count": 2, "explorer_share": 0.25,
                                                  "action_noise": 0.0}), 2)
    out = str(tmp_path / "round2")
    rollout_gen.run(cfg, out, agent_dir=agent_dir)
    train = rlds.read_episode_arrays(out, "train")
    assert [e["seed"] for e in train] == rollout_gen.episode_seeds(cfg, "train", 4)
    assert train[0]["seed"] == 50_000  # round 2's own tracks
    constant = [np.all(e["steps"]["action"][:-1] == [0.0, 0.5, 0.0]) for e in train]
    assert constant == [False, True, True, True]  # 1 of 4 (25%) the explorer's, first
    evaluation = rlds.read_episode_arrays(out, "eval")
    assert [np.all(e["steps"]["action"][:-1] == [0.0, 0.5, 0.0]) for e in evaluation] == \
        [False, True]  # ceil(25% of 2)


def test_an_agent_of_another_game_is_refused_before_any_episode(untrained_model_dirs,
                                                                tmp_path):
    from worldmodels.export.rnn import save_rnn
    from worldmodels.games import TAKE_COVER_GAME
    from worldmodels.models.mdnrnn import MDNRNN

    doom_m = str(tmp_path / "doom_m")
    save_rnn(MDNRNN(action_size=TAKE_COVER_GAME.action_size), doom_m)
    agent_dir = export_constant_agent((untrained_model_dirs[0], doom_m), TAKE_COVER_GAME,
                                      str(tmp_path / "agent"))
    cfg = configlib.for_round(CFG.replace(rounds={"count": 2}), 2)
    with pytest.raises(ValueError, match=r"Format-Serving: an agent of VizdoomTakeCover-v1, "
                                         r"not of CarRacing-v3$"):
        rollout_gen.run(cfg, str(tmp_path / "round2"), agent_dir=agent_dir)
    assert not os.path.exists(tmp_path / "round2")

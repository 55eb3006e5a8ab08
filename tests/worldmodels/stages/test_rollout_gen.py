"""RolloutGen's resume: shards a killed attempt finished are kept, not collected again, and
the dataset holds the very episodes of an uninterrupted attempt (a re-collected shard's bytes
may differ: protobuf does not fix the order of an Example's features)."""
from __future__ import annotations

import os

import numpy as np

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

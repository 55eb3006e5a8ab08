"""Missing or damaged input artifacts end in one line naming the artifact and the file, before
a stage starts its work: a deleted shard, a truncated shard (cut inside a record or at a record
boundary), a missing SavedModel, a missing controller."""
from __future__ import annotations

import os
import struct

import pytest

from tests.worldmodels.fakes import write_rollouts
from worldmodels import config as configlib
from worldmodels.data import checks, rlds
from worldmodels.data.checks import ArtifactError
from worldmodels.stages import evaluator, vae_trainer


@pytest.fixture
def rollouts(tmp_path) -> str:
    """Train: shards of 2 and 1 episodes; eval: 1."""
    path = str(tmp_path / "rollouts")
    write_rollouts(path, steps=4, episodes_per_shard=2)
    return path


def _first_shard(path: str) -> str:
    return rlds.split_files(rlds.open_dataset(path), "train")[0]


def _first_record_end(shard: str) -> int:
    with open(shard, "rb") as f:
        return 12 + struct.unpack("<Q", f.read(8))[0] + 4


def test_an_intact_dataset_passes(rollouts):
    checks.check_dataset(rollouts)
    assert checks.tfrecord_count(_first_shard(rollouts)) == (2, None)


def test_a_deleted_shard_is_named(rollouts):
    shard = _first_shard(rollouts)
    os.remove(shard)
    with pytest.raises(ArtifactError) as err:
        checks.check_dataset(rollouts)
    assert str(err.value) == (f"artifact {rollouts}: {shard}: missing; dataset_info.json lists "
                              "2 episode(s) in it")


def test_a_shard_cut_inside_a_record_is_named(rollouts):
    shard = _first_shard(rollouts)
    end = _first_record_end(shard)
    with open(shard, "r+b") as f:
        f.truncate(os.path.getsize(shard) - 100)
    with pytest.raises(ArtifactError) as err:
        checks.check_dataset(rollouts)
    assert str(err.value) == (f"artifact {rollouts}: {shard}: truncated TFRecord shard: 1 whole "
                              f"record(s), then one cut at byte {end:,}; dataset_info.json lists 2")


def test_a_shard_cut_at_a_record_boundary_is_named(rollouts):
    shard = _first_shard(rollouts)
    with open(shard, "r+b") as f:
        f.truncate(_first_record_end(shard))
    with pytest.raises(ArtifactError) as err:
        checks.check_dataset(rollouts)
    assert str(err.value) == (f"artifact {rollouts}: {shard}: 1 record(s) where "
                              "dataset_info.json lists 2")


def test_a_stage_refuses_a_damaged_input_before_training(rollouts, tmp_path):
    shard = _first_shard(rollouts)
    os.remove(shard)
    ckpt = tmp_path / "ckpt"
    with pytest.raises(ArtifactError, match=f"^artifact {rollouts}: {shard}: missing;"):
        vae_trainer.run(configlib.TINY, rollouts, str(tmp_path / "model"), str(tmp_path / "run"),
                            str(ckpt))
    assert not ckpt.exists() and not (tmp_path / "model").exists()


def test_missing_saved_model_and_controller_are_named(tmp_path):
    model = tmp_path / "vae"
    (model / "Format-Serving" / "variables").mkdir(parents=True)  # a SavedModel without its graph
    with pytest.raises(ArtifactError) as err:
        checks.check_saved_model(str(model))
    assert str(err.value) == f"artifact {model}: {model}/Format-Serving/saved_model.pb: missing"
    with pytest.raises(ArtifactError) as err:
        evaluator.run(configlib.TINY, str(model), str(model), str(tmp_path / "c"),
                                  str(tmp_path / "agent"), str(tmp_path / "evaluation"))
    assert str(err.value) == f"artifact {model}: {model}/Format-Serving/saved_model.pb: missing"
    with pytest.raises(ArtifactError) as err:
        checks.check_files(str(tmp_path / "c"), "params.npy")
    assert str(err.value) == f"artifact {tmp_path}/c: {tmp_path}/c/params.npy: missing"

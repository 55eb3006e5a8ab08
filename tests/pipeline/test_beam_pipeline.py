"""The tiny pipeline under TFX's BeamDagRunner with Beam inside the components (DirectRunner,
multi_processing, 2 workers): it completes, and every stage's output equals the local run's."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from ml_metadata.proto import metadata_store_pb2

from tests.pipeline.runs import cli
from worldmodels import metadata
from worldmodels.data import rlds

pytestmark = pytest.mark.slow

BEAM_ARGS = ["--beam-arg=--direct_running_mode=multi_processing", "--beam-arg=--direct_num_workers=2"]


def outputs(root: str) -> dict:
    """component name -> {output key: uri} for the first finished execution of each."""
    store = metadata.open_store(root)
    result = {}
    for execution_type in store.get_execution_types():
        runs = metadata.finished_executions(store, execution_type.name)
        if runs:
            name = execution_type.name.rsplit(".", 1)[-1]
            result[name] = {k: a.uri for k, a in metadata.output_artifacts(store, runs[0].id).items()}
    return result


@pytest.fixture(scope="module")
def beam_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("beam"))
    result = cli("run", "--preset", "tiny", "--root", root, "--runner", "beam", *BEAM_ARGS)
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def test_six_components_complete_under_beam_dag_runner(beam_root):
    store = metadata.open_store(beam_root)
    states = [e.last_known_state for e in store.get_executions()]
    assert states == [metadata_store_pb2.Execution.COMPLETE] * 6


def test_beam_outputs_equal_the_local_run(beam_root, tiny_root):
    beam, local = outputs(beam_root), outputs(tiny_root[0])
    for component, key in (("RolloutGen", "rollouts"), ("LatentTransform", "latents")):
        for split in ("train", "eval"):
            a = rlds.read_episode_arrays(beam[component][key], split)
            b = rlds.read_episode_arrays(local[component][key], split)
            assert [e["episode_id"] for e in a] == [e["episode_id"] for e in b]
            for x, y in zip(a, b):
                for field in ("action", "reward", "is_terminal"):
                    np.testing.assert_array_equal(x["steps"][field], y["steps"][field])
                obs_x, obs_y = x["steps"]["observation"], y["steps"]["observation"]
                if isinstance(obs_x, dict):
                    np.testing.assert_array_equal(obs_x["mu"], obs_y["mu"])
                    np.testing.assert_array_equal(obs_x["logvar"], obs_y["logvar"])
                else:
                    np.testing.assert_array_equal(obs_x, obs_y)
    np.testing.assert_array_equal(
        np.load(os.path.join(beam["ControllerSearch"]["model"], "params.npy")),
        np.load(os.path.join(local["ControllerSearch"]["model"], "params.npy")))
    with open(os.path.join(beam["ControllerSearch"]["model"], "history.json")) as f:
        beam_history = [{k: v for k, v in g.items() if k not in ("wall_time_s", "elapsed_s")}
                        for g in json.load(f)]
    with open(os.path.join(local["ControllerSearch"]["model"], "history.json")) as f:
        local_history = [{k: v for k, v in g.items() if k not in ("wall_time_s", "elapsed_s")}
                        for g in json.load(f)]
    assert beam_history == local_history
    with open(os.path.join(beam["Evaluator"]["evaluation"], "evaluation.json")) as f:
        beam_eval = json.load(f)
    with open(os.path.join(local["Evaluator"]["evaluation"], "evaluation.json")) as f:
        local_eval = json.load(f)
    assert beam_eval == local_eval

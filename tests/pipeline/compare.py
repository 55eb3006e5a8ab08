"""Two runs' artifacts side by side: what the Beam and Dask pipeline tests assert equal to the
local run's. Where a run did the work (worker ids, wall times) is not compared."""
from __future__ import annotations

import json
import os

import numpy as np
import tensorflow as tf

from worldmodels import layout
from worldmodels.data import rlds
from worldmodels.inspect import metadata

PLACEMENT_FIELDS = ("wall_time_s", "elapsed_s", "workers")


def outputs(root: str) -> dict:
    """component name -> {output key: artifact} for the first finished execution of each."""
    store = metadata.open_store(root)
    result = {}
    for execution_type in store.get_execution_types():
        runs = metadata.finished_executions(store, execution_type.name)
        if runs:
            name = execution_type.name.rsplit(".", 1)[-1]
            result[name] = metadata.output_artifacts(store, runs[0].id)
    return result


def assert_same_artifacts(root: str, reference_root: str) -> None:
    """Every stage's output of `root` equals the reference run's."""
    run, ref = outputs(root), outputs(reference_root)
    for component, key in (("RolloutGen", "rollouts"), ("LatentTransform", "latents")):
        for split in rlds.SPLITS:
            _assert_same_episodes(rlds.read_episode_arrays(run[component][key].uri, split),
                                  rlds.read_episode_arrays(ref[component][key].uri, split))
    for component, key in (("VAETrainer", "model"), ("RNNTrainer", "model"), ("Evaluator", "agent")):
        _assert_same_variables(os.path.join(run[component][key].uri, layout.SERVING_DIR),
                               os.path.join(ref[component][key].uri, layout.SERVING_DIR))
    search, ref_search = run["ControllerSearch"]["model"].uri, ref["ControllerSearch"]["model"].uri
    np.testing.assert_array_equal(np.load(os.path.join(search, "params.npy")),
                                  np.load(os.path.join(ref_search, "params.npy")))
    assert _history(search) == _history(ref_search)
    assert (_json(run["Evaluator"]["evaluation"].uri, "evaluation.json")
            == _json(ref["Evaluator"]["evaluation"].uri, "evaluation.json"))
    assert (run["Evaluator"]["blessing"].custom_properties["blessed"]
            == ref["Evaluator"]["blessing"].custom_properties["blessed"])


def _assert_same_episodes(a: list[dict], b: list[dict]) -> None:
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


def _assert_same_variables(saved_model: str, reference: str) -> None:
    a = tf.train.load_checkpoint(os.path.join(saved_model, "variables", "variables"))
    b = tf.train.load_checkpoint(os.path.join(reference, "variables", "variables"))
    names = sorted(a.get_variable_to_shape_map())
    assert names == sorted(b.get_variable_to_shape_map())
    for name in names:
        np.testing.assert_array_equal(a.get_tensor(name), b.get_tensor(name), err_msg=name)


def _history(model_dir: str) -> list[dict]:
    return [{k: v for k, v in g.items() if k not in PLACEMENT_FIELDS}
            for g in _json(model_dir, "history.json")]


def _json(directory: str, name: str):
    with open(os.path.join(directory, name)) as f:
        return json.load(f)

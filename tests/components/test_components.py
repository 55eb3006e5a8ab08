"""The components' contracts: artifact types, parameters that key the cache, and an executor
run directly on temp directories (RolloutGen, real CarRacing-v3)."""
from __future__ import annotations

import json
import os

import pytest
from tfx.types import artifact_utils, standard_artifacts

from components import base, fingerprint
from components.artifacts import LatentSeries, Rollouts
from components.evaluator import Evaluator
from components.rollout_gen import RolloutGen, RolloutGenExecutor
from components.vae_trainer import VAETrainer
from worldmodels import config as configlib
from worldmodels.data import rlds


def test_artifact_types_are_namespaced():
    assert (Rollouts.TYPE_NAME, LatentSeries.TYPE_NAME) == (
        "worldmodels.Rollouts", "worldmodels.LatentSeries")


def test_component_parameters_hold_only_their_sections_and_a_code_fingerprint():
    cfg = configlib.TINY
    params = RolloutGen(config=cfg).exec_properties
    assert params["code_fingerprint"] == fingerprint.fingerprint("components.rollout_gen")
    assert params["code_fingerprint"] != VAETrainer(RolloutGen(config=cfg).outputs["rollouts"],
                                                    cfg).exec_properties["code_fingerprint"]
    assert set(json.loads(params["config"])) == {"preset", "seed", "env", "rollouts"}
    # Changing the evaluator threshold leaves RolloutGen's and VAETrainer's parameters as they
    # were, so their cached results stay valid.
    changed = cfg.replace(evaluator={"threshold": 123.0})
    assert RolloutGen(config=changed).exec_properties == params
    rollouts = RolloutGen(config=cfg).outputs["rollouts"]
    assert VAETrainer(rollouts, cfg).exec_properties == VAETrainer(rollouts, changed).exec_properties


def test_evaluator_outputs_are_standard_types():
    cfg = configlib.TINY
    ch = standard_artifacts.Model
    from tfx.types import channel
    evaluator = Evaluator(channel.Channel(type=ch), channel.Channel(type=ch), channel.Channel(type=ch), cfg)
    assert {k: c.type for k, c in evaluator.outputs.items()} == {
        "agent": standard_artifacts.Model, "evaluation": standard_artifacts.ModelEvaluation,
        "blessing": standard_artifacts.ModelBlessing}


def test_rollout_gen_executor_writes_an_rlds_dataset_and_its_properties(tmp_path):
    cfg = configlib.TINY.replace(env={"max_steps": 12},
                                 rollouts={"train_episodes": 2, "eval_episodes": 1})
    out = Rollouts()
    out.uri = str(tmp_path / "rollouts")
    context = RolloutGenExecutor.Context(stateful_working_dir=str(tmp_path / "work" / "1"))
    RolloutGenExecutor(context).Do({}, {"rollouts": [out]}, RolloutGen(cfg).exec_properties)
    assert (out.get_int_custom_property("episodes"), out.get_int_custom_property("steps")) == (3, 36)
    assert json.loads(out.get_string_custom_property("split_names")) == ["train", "eval"]
    assert rlds.split_counts(out.uri, "train") == (2, 24)
    episodes = rlds.read_episode_arrays(out.uri, "eval")
    assert len(episodes) == 1 and episodes[0]["steps"]["observation"].shape == (13, 64, 64, 3)
    assert artifact_utils.get_single_instance([out]).type_name == "worldmodels.Rollouts"


def test_a_missing_input_is_named_with_its_mlmd_id(tmp_path):
    """Executors name the damaged input by its key and ML Metadata id, before any work."""
    from components.evaluator import EvaluatorExecutor
    from components.latent_transform import LatentTransformExecutor

    cfg = configlib.TINY
    rollouts = Rollouts()
    rollouts.uri, rollouts.id = str(tmp_path / "rollouts"), 7
    with rlds.DatasetWriter(rollouts.uri, rlds.rollouts_config(), ["train", "eval"], 2):
        pass  # an empty dataset, intact...
    models = {}
    for i, key in enumerate(("vae", "rnn", "controller")):
        models[key] = standard_artifacts.Model()
        models[key].uri, models[key].id = str(tmp_path / key), 11 + i
    os.makedirs(os.path.join(models["vae"].uri, "Format-Serving"))  # ...and V is no SavedModel
    latents = LatentSeries()
    latents.uri = str(tmp_path / "latents")
    context = LatentTransformExecutor.Context(stateful_working_dir=str(tmp_path / "work" / "1"))
    with pytest.raises(RuntimeError) as err:
        LatentTransformExecutor(context).Do(
            {"rollouts": [rollouts], "vae": [models["vae"]]}, {"latents": [latents]},
            base.config_parameters(cfg, ("vae", "rollouts"), "components.latent_transform"))
    vae = models["vae"].uri
    assert str(err.value) == (f"input 'vae' (MLMD artifact 11) {vae}: "
                              f"{vae}/Format-Serving/saved_model.pb: missing")
    outputs = {"agent": [standard_artifacts.Model()], "evaluation": [standard_artifacts.ModelEvaluation()],
               "blessing": [standard_artifacts.ModelBlessing()]}
    with pytest.raises(RuntimeError) as err:
        EvaluatorExecutor().Do({k: [v] for k, v in models.items()}, outputs,
                               base.config_parameters(cfg, ("env", "controller", "evaluator"),
                                                      "components.evaluator"))
    assert str(err.value).startswith(f"input 'vae' (MLMD artifact 11) {vae}: ")
    assert not os.path.exists(latents.uri)

"""`worldmodels compile --target kubeflow`: TFX's KubeflowV2DagRunner output, read back with
the pipeline-spec protos."""
from __future__ import annotations

import json

from google.protobuf import json_format
from kfp.pipeline_spec import pipeline_spec_pb2

from pipeline import cli

DEPENDENCIES = {
    "RolloutGen": set(),
    "VAETrainer": {"RolloutGen"},
    "LatentTransform": {"RolloutGen", "VAETrainer"},
    "RNNTrainer": {"LatentTransform"},
    "ControllerSearch": {"VAETrainer", "RNNTrainer"},
    "Evaluator": {"VAETrainer", "RNNTrainer", "ControllerSearch"},
}


def test_compiles_six_tasks_with_their_dependencies_and_the_project_image(tmp_path):
    out = tmp_path / "pipeline.json"
    assert cli.main(["compile", "--preset", "small", "--target", "kubeflow", "--output", str(out),
                     "--image", "example.com/worldmodels:test",
                     "--pipeline-root", "gs://bucket/wm"]) == 0
    job = json.loads(out.read_text())
    spec = json_format.ParseDict(job["pipelineSpec"], pipeline_spec_pb2.PipelineSpec(),
                                 ignore_unknown_fields=True)
    tasks = spec.root.dag.tasks
    assert set(tasks) == set(DEPENDENCIES)
    for name, deps in DEPENDENCIES.items():
        assert set(tasks[name].dependent_tasks) == deps, name
    executors = job["pipelineSpec"]["deploymentSpec"]["executors"]
    assert len(executors) == 6
    assert {e["container"]["image"] for e in executors.values()} == {"example.com/worldmodels:test"}
    rollouts = spec.components[tasks["RolloutGen"].component_ref.name]
    schema = rollouts.output_definitions.artifacts["rollouts"].artifact_type.instance_schema
    assert "title: worldmodels.Rollouts" in schema
    assert job["runtimeConfig"]["gcsOutputDirectory"] == "gs://bucket/wm/pipeline"
    parameters = job["pipelineSpec"]["root"]["dag"]["tasks"]["RolloutGen"]["inputs"]["parameters"]
    config = json.loads(parameters["config"]["runtimeValue"]["constantValue"]["stringValue"])
    assert config["preset"] == "small" and config["rollouts"]["train_episodes"] == 200


def test_unwritable_output_is_one_line(tmp_path, capsys):
    code = cli.main(["compile", "--output", str(tmp_path / "missing" / "p.json")])
    assert code == 1
    assert capsys.readouterr().err.strip().startswith("worldmodels: error: --output")


def test_a_second_round_compiles_a_third_is_refused_in_one_line(tmp_path, capsys):
    out = tmp_path / "pipeline.json"
    assert cli.main(["compile", "--preset", "tiny", "--set", "rounds.count=2", "--output",
                     str(out)]) == 0
    job = json.loads(out.read_text())
    tasks = job.get("pipelineSpec", job)["root"]["dag"]["tasks"]
    assert set(tasks) == set(DEPENDENCIES) | {f"{n}_round2" for n in DEPENDENCIES
                                              if n != "VAETrainer"}
    assert set(tasks["RolloutGen_round2"]["dependentTasks"]) == {"Evaluator"}
    assert set(tasks["RNNTrainer_round2"]["dependentTasks"]) == {
        "LatentTransform_round2", "RNNTrainer", "LatentTransform"}
    assert cli.main(["compile", "--preset", "tiny", "--set", "rounds.count=2", "--set",
                     "rounds.vae_steps=5", "--output", str(out)]) == 0  # V refined
    job = json.loads(out.read_text())
    tasks = job.get("pipelineSpec", job)["root"]["dag"]["tasks"]
    assert set(tasks["VAETrainer_round2"]["dependentTasks"]) == {
        "RolloutGen_round2", "RolloutGen", "VAETrainer"}
    assert set(tasks["LatentTransform_round2_earlier1"]["dependentTasks"]) == {
        "RolloutGen", "VAETrainer_round2"}
    assert set(tasks["RNNTrainer_round2"]["dependentTasks"]) == {
        "LatentTransform_round2", "RNNTrainer", "LatentTransform_round2_earlier1"}
    assert cli.main(["compile", "--preset", "tiny", "--set", "rounds.count=3", "--output",
                     str(out)]) == 1
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "worldmodels: error: rounds.count 3 (--preset tiny, --set): Kubeflow's compiler takes "
        "one channel per input, so at most 2 rounds compile (--set rounds.count=2); run more "
        "with `worldmodels run`")

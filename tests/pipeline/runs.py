"""Running the `worldmodels` command the way a user does, in a fresh process."""
from __future__ import annotations

import os
import subprocess
import sys

from ml_metadata.proto import metadata_store_pb2

from worldmodels.inspect import metadata

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args, cwd: str = REPO, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900, **kwargs)


def newest_outputs(root: str) -> dict:
    """{component: {output key: uri}} of each stage's newest finished execution."""
    store = metadata.open_store(root)
    out = {}
    for stage in metadata.STAGES:
        last = metadata.finished_executions(store, f"components.{stage}")[-1]
        out[stage.split(".")[1]] = {k: a.uri for k, a in metadata.output_artifacts(
            store, last.id).items()}
    return out


def stages(result) -> dict[str, str]:
    line = next(s for s in result.stdout.splitlines() if s.startswith("stages: "))
    return dict(s.split(" ", 1) for s in line.removeprefix("stages: ").split(", "))


def wiring(root: str) -> tuple[dict, dict]:
    """({node: {input key: [artifact ids]}}, {node: {output key: artifact id}}) of each
    node's newest execution."""
    store = metadata.open_store(root)
    inputs, outputs = {}, {}
    for node, execution in metadata.newest_by_node(store).items():
        events = store.get_events_by_execution_ids([execution.id])
        given: dict = {}
        for e in events:
            if e.type == metadata_store_pb2.Event.INPUT:
                given.setdefault(e.path.steps[0].key, []).append(e.artifact_id)
        inputs[node] = {k: sorted(v) for k, v in given.items()}
        outputs[node] = {k: a.id for k, a in metadata.output_artifacts(store, execution.id).items()}
    return inputs, outputs


def assert_round_follows(inputs: dict, outputs: dict, k: int, refines_v: bool = False) -> None:
    """Round k is wired to round k - 1 (and V kept from round 1, or refined from the previous
    V on every round's rollouts, which it then encodes again)."""
    prev = "" if k == 2 else f"_round{k - 1}"
    this = f"_round{k}"
    rollout_nodes = ["RolloutGen"] + [f"RolloutGen_round{j}" for j in range(2, k)]
    assert inputs[f"RolloutGen{this}"] == {"agent": [outputs[f"Evaluator{prev}"]["agent"]]}
    if refines_v:
        v = outputs[f"VAETrainer{this}"]["model"]
        assert inputs[f"VAETrainer{this}"] == {
            "rollouts": [outputs[f"RolloutGen{this}"]["rollouts"]],
            "warm_start": [outputs[f"VAETrainer{prev}"]["model"]],
            "earlier_rollouts": sorted(outputs[n]["rollouts"] for n in rollout_nodes)}
        earlier = [f"LatentTransform{this}_earlier{j}" for j in range(1, k)]
        for node, rollouts in zip(earlier, rollout_nodes):
            assert inputs[node] == {"rollouts": [outputs[rollouts]["rollouts"]], "vae": [v]}
    else:
        v = outputs["VAETrainer"]["model"]  # V kept
        earlier = ["LatentTransform"] + [f"LatentTransform_round{j}" for j in range(2, k)]
    assert inputs[f"LatentTransform{this}"]["vae"] == [v]
    assert inputs[f"RNNTrainer{this}"] == {
        "latents": [outputs[f"LatentTransform{this}"]["latents"]],
        "warm_start": [outputs[f"RNNTrainer{prev}"]["model"]],
        "earlier_latents": sorted(outputs[n]["latents"] for n in earlier)}
    assert inputs[f"ControllerSearch{this}"]["start"] == [outputs[f"ControllerSearch{prev}"]["model"]]
    assert inputs[f"ControllerSearch{this}"]["rnn"] == [outputs[f"RNNTrainer{this}"]["model"]]
    assert inputs[f"ControllerSearch{this}"]["vae"] == [v]
    assert inputs[f"Evaluator{this}"]["controller"] == [outputs[f"ControllerSearch{this}"]["model"]]
    assert inputs[f"Evaluator{this}"]["vae"] == [v]

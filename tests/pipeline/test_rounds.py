"""`worldmodels run --rounds N`, the paper's iterative training, end to end: each later round's
episodes are played by the previous round's agent, its M starts from the previous M and learns
from every round's latents, its search starts from the previous C, V is kept, every round is
scored; a finished run given one more round runs only that round."""
from __future__ import annotations

import numpy as np
import pytest
from ml_metadata.proto import metadata_store_pb2

from tests.pipeline.runs import cli
from worldmodels.inspect import lineage, metadata

pytestmark = pytest.mark.slow


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


def assert_round_follows(inputs: dict, outputs: dict, k: int) -> None:
    prev = "" if k == 2 else f"_round{k - 1}"
    this = f"_round{k}"
    assert inputs[f"RolloutGen{this}"] == {"agent": [outputs[f"Evaluator{prev}"]["agent"]]}
    assert inputs[f"LatentTransform{this}"]["vae"] == [outputs["VAETrainer"]["model"]]  # V kept
    earlier = ["LatentTransform"] + [f"LatentTransform_round{j}" for j in range(2, k)]
    assert inputs[f"RNNTrainer{this}"] == {
        "latents": [outputs[f"LatentTransform{this}"]["latents"]],
        "warm_start": [outputs[f"RNNTrainer{prev}"]["model"]],
        "earlier_latents": sorted(outputs[n]["latents"] for n in earlier)}
    assert inputs[f"ControllerSearch{this}"]["start"] == [outputs[f"ControllerSearch{prev}"]["model"]]
    assert inputs[f"ControllerSearch{this}"]["rnn"] == [outputs[f"RNNTrainer{this}"]["model"]]
    assert inputs[f"Evaluator{this}"]["controller"] == [outputs[f"ControllerSearch{this}"]["model"]]


def test_two_rounds_each_round_from_the_last(tiny_rounds_root):
    root, two = tiny_rounds_root
    assert list(stages(two)) == [
        "RolloutGen", "VAETrainer", "LatentTransform", "RNNTrainer", "ControllerSearch",
        "Evaluator", "RolloutGen_round2", "LatentTransform_round2", "RNNTrainer_round2",
        "ControllerSearch_round2", "Evaluator_round2"]
    assert [line.split(":")[0] for line in two.stdout.splitlines()
            if line.startswith("round ")] == ["round 1", "round 2"]
    assert f"agent: {root}/pipeline/Evaluator_round2/agent/" in two.stdout
    assert_round_follows(*wiring(root), 2)
    rows = lineage.lineage(root)  # the newest agent's: round 2's
    played = next(r for r in rows if r.get("node") == "RolloutGen_round2")
    below = rows[rows.index(played) + 1]
    assert (below["input"], below["node"], below["depth"]) == (
        "agent", "Evaluator", played["depth"] + 1)  # these rollouts were played by that agent
    assert "agent: Model #" in lineage.format_rows(rows)


def test_a_finished_run_given_a_third_round_runs_only_it(tmp_path):
    root = str(tmp_path / "root")
    two = cli("run", "--preset", "tiny", "--root", root, "--rounds", "2")
    assert two.returncode == 0, two.stderr[-3000:]
    three = cli("run", "--preset", "tiny", "--root", root, "--rounds", "3")
    assert three.returncode == 0, three.stderr[-3000:]
    ran = [name for name, how in stages(three).items() if not how.endswith("(cached)")]
    assert ran == ["RolloutGen_round3", "LatentTransform_round3", "RNNTrainer_round3",
                   "ControllerSearch_round3", "Evaluator_round3"]
    assert_round_follows(*wiring(root), 3)


def test_doom_in_two_rounds_with_the_dream_s_fidelity_each_round(tmp_path):
    root = str(tmp_path / "root")
    result = cli("run", "--preset", "doom_tiny", "--root", root, "--rounds", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    assert_round_follows(*wiring(root), 2)
    assert "VizdoomTakeCover-v1 episodes" in result.stdout
    rows = metadata.round_rows(root)
    assert [r["round"] for r in rows] == [1, 2]
    store = metadata.open_store(root)
    for row in rows:
        got = row["dream_fidelity"]
        assert got["controllers"] == ["search", "search", "random", "random"]
        assert got["seeds"] == row["seeds"][:2] and got["temperature"] == 1.15
        assert got["gap"] == pytest.approx(np.mean(got["dream_means"]) - np.mean(
            got["real_means"]))
        # the search's last evaluated mean is the C a dreaming search hands on: its real
        # mean on the two seeds is the Evaluator's
        assert got["real_means"][1] == pytest.approx(np.mean(row["returns"]))
        assert all(0 < d <= 100 for d in got["dream_means"])  # survived steps, dream_steps 100
    evaluations = [a for a in store.get_artifacts_by_type("ModelEvaluation")
                   if "dream_gap" in a.custom_properties]
    assert len(evaluations) == 2


def test_until_and_rounds_together_are_refused_in_one_line(tmp_path):
    result = cli("run", "--preset", "tiny", "--root", str(tmp_path), "--rounds", "2",
                 "--until", "RNNTrainer")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "worldmodels: error: --until RNNTrainer: stops round 1, so it cannot run 2 rounds; "
        "leave out --until or --rounds")

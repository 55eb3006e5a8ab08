"""`worldmodels run --rounds N`, the paper's iterative training, end to end: each later round's
episodes are played by the previous round's agent, its M starts from the previous M and learns
from every round's latents, its search starts from the previous C, V is kept (or refined from
the previous V, every earlier round's rollouts encoded again), every round is scored (a finished run given one more round runs only that round: test_kill_resume.py)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.pipeline.runs import assert_round_follows, cli, stages, wiring
from worldmodels.inspect import lineage, metadata

pytestmark = pytest.mark.slow


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


def test_doom_in_two_rounds_refining_v_with_the_dream_s_fidelity_each_round(tmp_path):
    root = str(tmp_path / "root")
    result = cli("run", "--preset", "doom_tiny", "--root", root, "--rounds", "2",
                 "--set", "rounds.vae_steps=4")
    assert result.returncode == 0, result.stderr[-3000:]
    assert list(stages(result))[6:] == [
        "RolloutGen_round2", "VAETrainer_round2", "LatentTransform_round2",
        "LatentTransform_round2_earlier1", "RNNTrainer_round2", "ControllerSearch_round2",
        "Evaluator_round2"]
    assert_round_follows(*wiring(root), 2, refines_v=True)
    store = metadata.open_store(root)
    refined = metadata.newest_by_node(store)["VAETrainer_round2"]
    v = metadata.output_artifacts(store, refined.id)["model"]
    assert v.custom_properties["steps"].int_value == 4
    assert "VizdoomTakeCover-v1 episodes" in result.stdout
    rows = metadata.round_rows(root)
    assert [r["round"] for r in rows] == [1, 2]
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


def test_until_runs_round_one_of_a_config_with_rounds(tmp_path):
    """A preset's rounds (here set with --set, as `doom`'s are) do not stop --until."""
    root = str(tmp_path / "root")
    result = cli("run", "--preset", "tiny", "--root", root, "--set", "rounds.count=2",
                 "--until", "RolloutGen")
    assert result.returncode == 0, result.stderr[-3000:]
    assert list(stages(result)) == ["RolloutGen"]
    assert f"stopped after RolloutGen: rollouts {root}/pipeline/RolloutGen/rollouts/" in result.stdout


def test_until_and_rounds_together_are_refused_in_one_line(tmp_path):
    result = cli("run", "--preset", "tiny", "--root", str(tmp_path), "--rounds", "2",
                 "--until", "RNNTrainer")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "worldmodels: error: --until RNNTrainer: stops round 1, so it cannot run 2 rounds; "
        "leave out --until or --rounds")

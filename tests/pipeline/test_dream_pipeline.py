"""End to end: the tiny pipeline searching in M's dream (`dream_then_real`, then `dream` on the
same root), with M's reward and done heads. Checked: where each generation was scored, what
each cost in real and dreamt steps, the LatentSeries wired into ControllerSearch, M's head
metrics, and the Evaluator scoring on real CarRacing-v3."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from tests.pipeline.runs import cli, newest_outputs
from worldmodels import layout
from worldmodels.data import rlds
from worldmodels.engine import dream
from worldmodels.export import serving
from worldmodels.inspect import metadata

pytestmark = pytest.mark.slow

HEADS = ("--set", "rnn.reward_head=true", "--set", "rnn.done_head=true")
STEPS, POPULATION, DREAMS = 80, 4, 16  # tiny: 80-step episodes, 4 candidates; 16 dreams each


@pytest.fixture(scope="module")
def dream_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("dream"))
    runs = {}
    for mode, extra in (("dream_then_real", ("--set", "controller.dream_generations=1")),
                        ("dream", ())):
        result = cli("run", "--preset", "tiny", "--root", root, *HEADS,
                     "--set", f"controller.environment={mode}", *extra)
        assert result.returncode == 0, result.stderr[-3000:]
        runs[mode] = newest_outputs(root)
    return root, runs


def _search_inputs(root: str) -> dict:
    store = metadata.open_store(root)
    last = metadata.finished_executions(store, "components.controller_search.ControllerSearch")[-1]
    events = [e for e in store.get_events_by_execution_ids([last.id]) if e.type == e.INPUT]
    return {e.path.steps[0].key: store.get_artifacts_by_id([e.artifact_id])[0] for e in events}


def _history(outputs: dict) -> list[dict]:
    with open(os.path.join(outputs["ControllerSearch"]["model"], "history.json")) as f:
        return json.load(f)


def test_dream_then_real_dreams_first_then_pays_real_steps(dream_root):
    """Generation 1 dreams (4 x 16 dreams of up to 80 steps, no real step), generations 2 and 3
    play CarRacing (4 x 80 steps each); the mean plays 2 real evaluation episodes after
    generations 2 and 3."""
    history = _history(dream_root[1]["dream_then_real"])
    assert [h["environment"] for h in history] == ["dream", "real", "real"]
    assert [h["episodes"] for h in history] == [DREAMS, 1, 1]
    assert [h["env_steps"] for h in history] == [0, 320 + 160, 480 + 320 + 160]
    dreamt = [h["dream_steps"] for h in history]  # M steps until each dream's predicted end
    assert 0 < dreamt[0] <= POPULATION * DREAMS * STEPS and dreamt == dreamt[:1] * 3
    assert [h["eval_mean"] is None for h in history] == [True, False, False]


def test_dream_search_pays_real_steps_only_to_watch(dream_root):
    """Every generation dreams; the real environment is played only by the evaluations of the
    mean, and the output is the final mean (real scores are watched, not used)."""
    root, runs = dream_root
    history = _history(runs["dream"])
    assert [h["environment"] for h in history] == ["dream"] * 3
    assert [h["env_steps"] for h in history] == [0, 160, 320]
    dreamt = np.diff([0] + [h["dream_steps"] for h in history])
    assert ((0 < dreamt) & (dreamt <= POPULATION * DREAMS * STEPS)).all(), dreamt
    assert all(np.isfinite([h["best"], h["mean"], h["worst"]]).all() for h in history)
    agent = metadata.latest_agent(root)
    assert agent.episodes == 2  # scored on real CarRacing-v3, not in the dream
    store = metadata.open_store(root)
    last = metadata.finished_executions(store, "components.controller_search.ControllerSearch")[-1]
    model = metadata.output_artifacts(store, last.id)["model"]
    assert model.custom_properties["best_eval_generation"].int_value == 2


def test_dreams_start_from_the_latent_series(dream_root):
    inputs = _search_inputs(dream_root[0])
    assert set(inputs) == {"vae", "rnn", "latents"}
    latents = inputs["latents"]
    assert latents.type == "worldmodels.LatentSeries"
    assert latents.uri == dream_root[1]["dream"]["LatentTransform"]["latents"]
    rnn = inputs["rnn"]
    starts = dream.dream_starts(latents.uri, serving.load(os.path.join(rnn.uri, layout.SERVING_DIR)))
    first = [ep["steps"].take(1).get_single_element()["observation"]["mu"].numpy()
             for ep in rlds.open_dataset(latents.uri).as_dataset(split="train")]
    np.testing.assert_array_equal(starts.z, np.stack(first))
    assert starts.z.shape == (4, 32)  # tiny: 4 train episodes, z of 32


def test_memory_reports_its_reward_and_done_heads(dream_root):
    outputs = dream_root[1]["dream"]
    with open(os.path.join(outputs["RNNTrainer"]["model_run"], "evaluation.json")) as f:
        evaluation = json.load(f)
    assert evaluation["eval_reward_mse"] >= 0
    calibration = evaluation["eval_reward_calibration"]
    assert sum(count for _, _, count in calibration) == 2 * STEPS  # tiny: 2 eval episodes
    assert evaluation["eval_done_real"] == 0  # CarRacing episodes here end by truncation
    assert "eval_done_precision" in evaluation and "eval_done_recall" in evaluation

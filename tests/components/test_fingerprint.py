"""Each component's code fingerprint covers the code it runs and nothing else, so an edit
re-runs only the stages that run the edited code."""
from __future__ import annotations

import pytest

from components import fingerprint

COMPONENTS = ("rollout_gen", "vae_trainer", "latent_transform", "rnn_trainer",
              "controller_search", "evaluator")


def closure(component: str) -> set[str]:
    return fingerprint.import_closure(f"components.{component}")


def test_rollouts_run_no_model_training_export_dream_or_search_code():
    """A later round's agent plays from its SavedModel's own graph: loading it is all."""
    modules = closure("rollout_gen")
    assert not [m for m in modules if m.startswith(("worldmodels.models", "worldmodels.training",
                                                    "worldmodels.export"))
                and m not in ("worldmodels.export", "worldmodels.export.serving")]
    assert "worldmodels.engine.dream" not in modules
    assert "worldmodels.stages.controller_search" not in modules
    assert "worldmodels.engine.episodes" in modules  # the one episode loop collects them


@pytest.mark.parametrize("component", COMPONENTS)
def test_only_the_search_and_the_evaluator_s_fidelity_run_the_dream(component):
    assert ("worldmodels.engine.dream" in closure(component)) == (
        component in ("controller_search", "evaluator"))


def test_v_and_m_are_trained_and_encoded_apart():
    assert not {"worldmodels.models.mdnrnn", "worldmodels.export.rnn"} & closure("vae_trainer")
    assert not [m for m in closure("latent_transform") if m.startswith("worldmodels.models")]
    assert "worldmodels.export.vae" not in closure("rnn_trainer")


def test_no_component_runs_the_inspection_tools_or_the_pipeline():
    for component in COMPONENTS:
        assert not [m for m in closure(component)
                    if m.startswith(("worldmodels.inspect", "pipeline"))], component

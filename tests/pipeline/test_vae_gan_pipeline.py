"""The tiny pipeline end to end with V trained as a VAE/GAN (`--vae-kind vae_gan`): the
exported V keeps its signatures, so LatentTransform, M, C and the agent run unchanged."""
from __future__ import annotations

import json

import pytest

from tests.pipeline.runs import cli
from worldmodels.inspect import metadata

pytestmark = pytest.mark.slow


def test_tiny_pipeline_with_vae_gan(tmp_path):
    root = str(tmp_path / "vae_gan")
    result = cli("run", "--preset", "tiny", "--root", root, "--vae-kind", "vae_gan")
    assert result.returncode == 0, result.stderr[-3000:]
    store = metadata.open_store(root)
    vae_runs = metadata.finished_executions(store, "components.vae_trainer.VAETrainer")
    config = json.loads(vae_runs[-1].custom_properties["config"].string_value)
    assert config["vae"]["kind"] == "vae_gan"
    vae = metadata.output_artifacts(store, vae_runs[-1].id)["model"]
    assert vae.custom_properties["eval_reconstruction_loss"].double_value > 0
    summary = metadata.latest_agent(root)
    assert f"agent: {summary.agent_dir}" in result.stdout

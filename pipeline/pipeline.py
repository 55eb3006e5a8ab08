"""create_pipeline: wiring only. Every path and number comes in from the caller."""
from __future__ import annotations

import os

from tfx.orchestration import metadata
from tfx.orchestration import pipeline as tfx_pipeline

from components.controller_search import ControllerSearch
from components.evaluator import Evaluator
from components.latent_transform import LatentTransform
from components.rnn_trainer import RNNTrainer
from components.rollout_gen import RolloutGen
from components.vae_trainer import VAETrainer
from worldmodels.config import Config
from worldmodels.layout import COMPONENTS, METADATA_FILE

PIPELINE_ROOT = "pipeline"


def pipeline_name(config: Config) -> str:
    return f"worldmodels-{config.preset}"


def sqlite_metadata(root: str):
    """The embedded ML Metadata store of a local or Beam run: root/metadata.sqlite."""
    return metadata.sqlite_metadata_connection_config(os.path.join(root, METADATA_FILE))


def create_pipeline(config: Config, root: str, beam_pipeline_args: list[str] | None = None,
                    enable_cache: bool = True, metadata_connection_config=None,
                    until: str = "Evaluator") -> tfx_pipeline.Pipeline:
    """The six components in order, artifacts under root/pipeline, or those up to `until`
    (a laboratory's rollouts, V and M without the search). ML Metadata is the given
    connection (None for orchestrators that bring their own, like Kubeflow)."""
    rollouts = RolloutGen(config=config)
    vae = VAETrainer(rollouts=rollouts.outputs["rollouts"], config=config)
    latents = LatentTransform(rollouts=rollouts.outputs["rollouts"],
                              vae=vae.outputs["model"], config=config)
    rnn = RNNTrainer(latents=latents.outputs["latents"], config=config)
    dreams = config.controller.environment != "real"
    search = ControllerSearch(vae=vae.outputs["model"], rnn=rnn.outputs["model"], config=config,
                              latents=latents.outputs["latents"] if dreams else None)
    evaluator = Evaluator(vae=vae.outputs["model"], rnn=rnn.outputs["model"],
                          controller=search.outputs["model"], config=config)
    return tfx_pipeline.Pipeline(
        pipeline_name=pipeline_name(config),
        pipeline_root=os.path.join(root, PIPELINE_ROOT),
        components=[rollouts, vae, latents, rnn, search, evaluator][:COMPONENTS.index(until) + 1],
        enable_cache=enable_cache,
        metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=beam_pipeline_args or [],
    )

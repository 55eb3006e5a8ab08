"""create_pipeline: wiring only. Every path and number comes in from the caller."""
from __future__ import annotations

import os

from tfx.orchestration import metadata
from tfx.orchestration import pipeline as tfx_pipeline
from tfx.types import channel

from components.controller_search import ControllerSearch
from components.evaluator import Evaluator
from components.latent_transform import LatentTransform
from components.rnn_trainer import RNNTrainer
from components.rollout_gen import RolloutGen
from components.vae_trainer import VAETrainer
from worldmodels.config import Config, for_round
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
    """The six components in order, artifacts under root/pipeline, then each later round's
    (rounds), or round 1's up to `until` (a laboratory's rollouts, V and M without a search).
    ML Metadata is the given connection (None for orchestrators that bring their own, like
    Kubeflow)."""
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
    components = [rollouts, vae, latents, rnn, search, evaluator][:COMPONENTS.index(until) + 1]
    earlier = [latents.outputs["latents"]]
    for k in range(2, (config.rounds.count if until == "Evaluator" else 1) + 1):
        later = later_round(for_round(config, k), vae, earlier, rnn, search, evaluator, dreams)
        components += later
        _, latents_k, rnn, search, evaluator = later
        earlier.append(latents_k.outputs["latents"])
    return tfx_pipeline.Pipeline(
        pipeline_name=pipeline_name(config),
        pipeline_root=os.path.join(root, PIPELINE_ROOT),
        components=components,
        enable_cache=enable_cache,
        metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=beam_pipeline_args or [],
    )


def round_id(component: str, k: int) -> str:
    """A component's id in round k: its class name in round 1 (so a run given more rounds
    keeps round 1's executions and cache), NAME_roundK after."""
    return component if k == 1 else f"{component}_round{k}"


def later_round(config: Config, vae, earlier: list, rnn, search, evaluator,
                dreams: bool) -> list:
    """Round k's components (config: for_round's): the previous round's agent plays the next
    episodes, V encodes them, M is refined from the previous M on them and the `earlier`
    rounds' latents, C is searched again from the previous C, and the agent is scored."""
    k = config.round
    rollouts = RolloutGen(config=config, agent=evaluator.outputs["agent"]).with_id(
        round_id("RolloutGen", k))
    latents = LatentTransform(rollouts=rollouts.outputs["rollouts"], vae=vae.outputs["model"],
                              config=config).with_id(round_id("LatentTransform", k))
    refined = RNNTrainer(
        latents=latents.outputs["latents"], config=config, warm_start=rnn.outputs["model"],
        earlier_latents=earlier[0] if len(earlier) == 1 else channel.union(earlier),
    ).with_id(round_id("RNNTrainer", k))
    searched = ControllerSearch(
        vae=vae.outputs["model"], rnn=refined.outputs["model"], config=config,
        latents=latents.outputs["latents"] if dreams else None,
        start=search.outputs["model"]).with_id(round_id("ControllerSearch", k))
    scored = Evaluator(vae=vae.outputs["model"], rnn=refined.outputs["model"],
                       controller=searched.outputs["model"], config=config).with_id(
        round_id("Evaluator", k))
    return [rollouts, latents, refined, searched, scored]

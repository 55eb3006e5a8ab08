"""create_pipeline: wiring only. Every path and number comes in from the caller."""
from __future__ import annotations

import dataclasses
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
    rounds = Rounds(rollouts=[rollouts.outputs["rollouts"]], latents=[latents.outputs["latents"]],
                    vae=vae, rnn=rnn, search=search, evaluator=evaluator)
    for k in range(2, (config.rounds.count if until == "Evaluator" else 1) + 1):
        components += later_round(for_round(config, k), rounds, dreams)
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


@dataclasses.dataclass
class Rounds:
    """What the next round builds on: every round's rollouts and their latents in the newest
    V's code, and the newest round's V, M, C and Evaluator components."""
    rollouts: list
    latents: list
    vae: VAETrainer
    rnn: RNNTrainer
    search: ControllerSearch
    evaluator: Evaluator


def later_round(config: Config, rounds: Rounds, dreams: bool) -> list:
    """Round k's components (config: for_round's): the previous round's agent plays the next
    episodes; V is kept or, with rounds.vae_steps, refined from the previous V on every round's
    frames and every earlier round's rollouts encoded again by it; V encodes the new episodes;
    M is refined from the previous M on them and the earlier rounds' latents; C is searched
    again from the previous C; the agent is scored. Advances `rounds` to round k."""
    k = config.round
    rollouts = RolloutGen(config=config, agent=rounds.evaluator.outputs["agent"]).with_id(
        round_id("RolloutGen", k))
    components = [rollouts]
    vae, earlier = rounds.vae, rounds.latents
    if config.rounds.vae_steps:
        vae = VAETrainer(rollouts=rollouts.outputs["rollouts"], config=config,
                         warm_start=rounds.vae.outputs["model"],
                         earlier_rollouts=_one_channel(rounds.rollouts)).with_id(
            round_id("VAETrainer", k))
        encoded = [LatentTransform(rollouts=earlier_rollouts, vae=vae.outputs["model"],
                                   config=config).with_id(f"LatentTransform_round{k}_earlier{j}")
                   for j, earlier_rollouts in enumerate(rounds.rollouts, start=1)]
        components += [vae, *encoded]
        earlier = [e.outputs["latents"] for e in encoded]
    latents = LatentTransform(rollouts=rollouts.outputs["rollouts"], vae=vae.outputs["model"],
                              config=config).with_id(round_id("LatentTransform", k))
    refined = RNNTrainer(
        latents=latents.outputs["latents"], config=config, warm_start=rounds.rnn.outputs["model"],
        earlier_latents=_one_channel(earlier)).with_id(round_id("RNNTrainer", k))
    searched = ControllerSearch(
        vae=vae.outputs["model"], rnn=refined.outputs["model"], config=config,
        latents=latents.outputs["latents"] if dreams else None,
        start=rounds.search.outputs["model"]).with_id(round_id("ControllerSearch", k))
    scored = Evaluator(vae=vae.outputs["model"], rnn=refined.outputs["model"],
                       controller=searched.outputs["model"], config=config).with_id(
        round_id("Evaluator", k))
    rounds.rollouts.append(rollouts.outputs["rollouts"])
    rounds.latents = [*earlier, latents.outputs["latents"]]
    rounds.vae, rounds.rnn, rounds.search, rounds.evaluator = vae, refined, searched, scored
    return components + [latents, refined, searched, scored]


def _one_channel(channels: list):
    """An input fed by several rounds' artifacts: the one channel, or their union."""
    return channels[0] if len(channels) == 1 else channel.union(channels)

"""LatentTransform: every episode encoded by V -> worldmodels.LatentSeries."""
from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import channel, standard_artifacts
from tfx.types.component_spec import ChannelParameter

from components import artifacts, base
from components.artifacts import LatentSeries, Rollouts
from worldmodels.data import rlds
from worldmodels.stages import latent_transform as stage

SECTIONS = ("vae", "rollouts")


class LatentTransformSpec(types.ComponentSpec):
    PARAMETERS = base.PARAMETERS
    INPUTS = {"rollouts": ChannelParameter(type=Rollouts),
              "vae": ChannelParameter(type=standard_artifacts.Model)}
    OUTPUTS = {"latents": ChannelParameter(type=LatentSeries)}


class LatentTransformExecutor(base.BeamExecutor):
    def Do(self, input_dict, output_dict, exec_properties):
        out = base.single(output_dict["latents"])
        with base.naming_inputs(input_dict):
            counts = stage.run(
                self.config(exec_properties), base.single(input_dict["rollouts"]).uri,
                base.single(input_dict["vae"]).uri, out.uri, self.beam_args(),
                self.state_dir(input_dict, exec_properties))
        artifacts.describe(out, rlds.SPLITS, counts["episodes"], counts["steps"])
        base.record_workers(out, counts["worker_ids"])


class LatentTransform(base_beam_component.BaseBeamComponent):
    SPEC_CLASS = LatentTransformSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(LatentTransformExecutor)

    def __init__(self, rollouts: types.BaseChannel, vae: types.BaseChannel, config):
        super().__init__(spec=LatentTransformSpec(
            rollouts=rollouts, vae=vae, latents=channel.Channel(type=LatentSeries),
            **base.config_parameters(config, SECTIONS, __name__)))

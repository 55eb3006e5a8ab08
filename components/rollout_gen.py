"""RolloutGen: episodes of the seeded explorer, or in a later round of the previous round's
agent (and a share of the explorer's) -> worldmodels.Rollouts."""
from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import channel, standard_artifacts
from tfx.types.component_spec import ChannelParameter

from components import artifacts, base
from components.artifacts import Rollouts
from worldmodels.data import rlds
from worldmodels.stages import rollout_gen as stage

SECTIONS = ("env", "rollouts", "rounds")


class RolloutGenSpec(types.ComponentSpec):
    PARAMETERS = base.PARAMETERS
    INPUTS = {"agent": ChannelParameter(type=standard_artifacts.Model, optional=True)}
    OUTPUTS = {"rollouts": ChannelParameter(type=Rollouts)}


class RolloutGenExecutor(base.BeamExecutor):
    def Do(self, input_dict, output_dict, exec_properties):
        out = base.single(output_dict["rollouts"])
        agent = base.single(input_dict["agent"]).uri if input_dict.get("agent") else None
        with base.naming_inputs(input_dict):
            counts = stage.run(self.config(exec_properties), out.uri, self.beam_args(),
                               self.state_dir(input_dict, exec_properties), agent)
        artifacts.describe(out, rlds.SPLITS, counts["episodes"], counts["steps"])
        base.record_workers(out, counts["worker_ids"])


class RolloutGen(base_beam_component.BaseBeamComponent):
    SPEC_CLASS = RolloutGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(RolloutGenExecutor)

    def __init__(self, config, agent: types.BaseChannel | None = None):
        super().__init__(spec=RolloutGenSpec(
            agent=agent, rollouts=channel.Channel(type=Rollouts),
            **base.config_parameters(config, SECTIONS, __name__)))

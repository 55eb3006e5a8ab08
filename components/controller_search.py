"""ControllerSearch: CMA-ES over C with V and M in the loop, in the real environment or in M's
dream. A search that dreams takes the LatentSeries (its dreams start from real initial
latents), so lineage shows which episodes the dreams began from. A later round's search takes
the previous round's C as its `start`.

The CMA-ES state is saved in the stateful working directory after every generation, so a
killed run resumes at the last finished generation."""
from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import channel, standard_artifacts
from tfx.types.component_spec import ChannelParameter

from components import base
from components.artifacts import LatentSeries
from worldmodels.stages import controller_search as stage

SECTIONS = ("env", "controller")


class ControllerSearchSpec(types.ComponentSpec):
    PARAMETERS = base.PARAMETERS
    INPUTS = {"vae": ChannelParameter(type=standard_artifacts.Model),
              "rnn": ChannelParameter(type=standard_artifacts.Model),
              "latents": ChannelParameter(type=LatentSeries, optional=True),
              "start": ChannelParameter(type=standard_artifacts.Model, optional=True)}
    OUTPUTS = {"model": ChannelParameter(type=standard_artifacts.Model),
               "model_run": ChannelParameter(type=standard_artifacts.ModelRun)}


class ControllerSearchExecutor(base.BeamExecutor):
    def Do(self, input_dict, output_dict, exec_properties):
        model, run = base.single(output_dict["model"]), base.single(output_dict["model_run"])
        with base.naming_inputs(input_dict):
            result = stage.run(
                self.config(exec_properties), base.single(input_dict["vae"]).uri,
                base.single(input_dict["rnn"]).uri, model.uri, run.uri,
                self.state_dir(input_dict, exec_properties), self.beam_args(),
                base.single(input_dict["latents"]).uri if input_dict.get("latents") else None,
                base.single(input_dict["start"]).uri if input_dict.get("start") else None)
        model.set_float_custom_property("best_eval_mean", result["best_eval_mean"])
        model.set_int_custom_property("best_eval_generation", result["best_eval_generation"])
        model.set_int_custom_property("generations", result["generations"])
        run.set_int_custom_property("resumed_from_generation", result["resumed_from_generation"])


class ControllerSearch(base_beam_component.BaseBeamComponent):
    SPEC_CLASS = ControllerSearchSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(ControllerSearchExecutor)

    def __init__(self, vae: types.BaseChannel, rnn: types.BaseChannel, config,
                 latents: types.BaseChannel | None = None,
                 start: types.BaseChannel | None = None):
        super().__init__(spec=ControllerSearchSpec(
            vae=vae, rnn=rnn, latents=latents, start=start,
            model=channel.Channel(type=standard_artifacts.Model),
            model_run=channel.Channel(type=standard_artifacts.ModelRun),
            **base.config_parameters(config, SECTIONS, __name__)))

"""RNNTrainer: trains M on latent sequences -> Model (step/sequence SavedModel) + ModelRun; in a
later round from the previous round's M, on this round's and the earlier rounds' latents."""
from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel, standard_artifacts
from tfx.types.component_spec import ChannelParameter

from components import base
from components.artifacts import LatentSeries
from worldmodels.stages import rnn_trainer as stage

SECTIONS = ("rnn", "rounds")


class RNNTrainerSpec(types.ComponentSpec):
    PARAMETERS = base.PARAMETERS
    INPUTS = {"latents": ChannelParameter(type=LatentSeries),
              "warm_start": ChannelParameter(type=standard_artifacts.Model, optional=True),
              "earlier_latents": ChannelParameter(type=LatentSeries, optional=True)}
    OUTPUTS = {"model": ChannelParameter(type=standard_artifacts.Model),
               "model_run": ChannelParameter(type=standard_artifacts.ModelRun)}


class RNNTrainerExecutor(base.Executor):
    def Do(self, input_dict, output_dict, exec_properties):
        model, run = base.single(output_dict["model"]), base.single(output_dict["model_run"])
        with base.naming_inputs(input_dict):
            metrics = stage.run(
                self.config(exec_properties), base.single(input_dict["latents"]).uri, model.uri,
                run.uri, self.state_dir(input_dict, exec_properties),
                base.single(input_dict["warm_start"]).uri if input_dict.get("warm_start")
                else None, tuple(a.uri for a in input_dict.get("earlier_latents", [])))
        for name, value in metrics.items():
            if isinstance(value, float):
                model.set_float_custom_property(name, value)
        model.set_int_custom_property("steps", metrics["steps"])
        model.set_string_custom_property("precision", metrics["precision"])


class RNNTrainer(base_component.BaseComponent):
    SPEC_CLASS = RNNTrainerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(RNNTrainerExecutor)

    def __init__(self, latents: types.BaseChannel, config,
                 warm_start: types.BaseChannel | None = None,
                 earlier_latents: types.BaseChannel | None = None):
        super().__init__(spec=RNNTrainerSpec(
            latents=latents, warm_start=warm_start, earlier_latents=earlier_latents,
            model=channel.Channel(type=standard_artifacts.Model),
            model_run=channel.Channel(type=standard_artifacts.ModelRun),
            **base.config_parameters(config, SECTIONS, __name__)))

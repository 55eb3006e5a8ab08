"""RNNTrainer: trains M on latent sequences -> Model (step/sequence SavedModel) + ModelRun."""
from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel, standard_artifacts
from tfx.types.component_spec import ChannelParameter

from components import base
from components.artifacts import LatentSeries
from worldmodels.stages import rnn_trainer as stage

SECTIONS = ("rnn",)


class RNNTrainerSpec(types.ComponentSpec):
    PARAMETERS = base.PARAMETERS
    INPUTS = {"latents": ChannelParameter(type=LatentSeries)}
    OUTPUTS = {"model": ChannelParameter(type=standard_artifacts.Model),
               "model_run": ChannelParameter(type=standard_artifacts.ModelRun)}


class RNNTrainerExecutor(base.Executor):
    def Do(self, input_dict, output_dict, exec_properties):
        model, run = base.single(output_dict["model"]), base.single(output_dict["model_run"])
        with base.naming_inputs(input_dict):
            metrics = stage.run(
                self.config(exec_properties), base.single(input_dict["latents"]).uri, model.uri,
                run.uri, self.state_dir(input_dict, exec_properties))
        for name, value in metrics.items():
            if isinstance(value, float):
                model.set_float_custom_property(name, value)
        model.set_int_custom_property("steps", metrics["steps"])
        model.set_string_custom_property("precision", metrics["precision"])


class RNNTrainer(base_component.BaseComponent):
    SPEC_CLASS = RNNTrainerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(RNNTrainerExecutor)

    def __init__(self, latents: types.BaseChannel, config):
        super().__init__(spec=RNNTrainerSpec(
            latents=latents, model=channel.Channel(type=standard_artifacts.Model),
            model_run=channel.Channel(type=standard_artifacts.ModelRun),
            **base.config_parameters(config, SECTIONS, __name__)))

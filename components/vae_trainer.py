"""VAETrainer: trains V on the train split -> Model (encode/decode SavedModel) + ModelRun."""
from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import channel, standard_artifacts
from tfx.types.component_spec import ChannelParameter

from components import base
from components.artifacts import Rollouts
from worldmodels.stages import vae_trainer as stage

SECTIONS = ("vae",)


class VAETrainerSpec(types.ComponentSpec):
    PARAMETERS = base.PARAMETERS
    INPUTS = {"rollouts": ChannelParameter(type=Rollouts)}
    OUTPUTS = {"model": ChannelParameter(type=standard_artifacts.Model),
               "model_run": ChannelParameter(type=standard_artifacts.ModelRun)}


class VAETrainerExecutor(base.Executor):
    def Do(self, input_dict, output_dict, exec_properties):
        model, run = base.single(output_dict["model"]), base.single(output_dict["model_run"])
        with base.naming_inputs(input_dict):
            metrics = stage.run(
                self.config(exec_properties), base.single(input_dict["rollouts"]).uri, model.uri,
                run.uri, self.state_dir(input_dict, exec_properties))
        model.set_float_custom_property("eval_reconstruction_loss", metrics["eval_reconstruction_loss"])
        model.set_float_custom_property("eval_kl_loss", metrics["eval_kl_loss"])
        model.set_int_custom_property("steps", metrics["steps"])
        model.set_string_custom_property("precision", metrics["precision"])


class VAETrainer(base_component.BaseComponent):
    SPEC_CLASS = VAETrainerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(VAETrainerExecutor)

    def __init__(self, rollouts: types.BaseChannel, config):
        super().__init__(spec=VAETrainerSpec(
            rollouts=rollouts, model=channel.Channel(type=standard_artifacts.Model),
            model_run=channel.Channel(type=standard_artifacts.ModelRun),
            **base.config_parameters(config, SECTIONS, __name__)))

"""VAETrainer: trains V on the train split -> Model (encode/decode SavedModel) + ModelRun; in a
later round that refines V, from the previous round's V, on every round's rollouts."""
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
    INPUTS = {"rollouts": ChannelParameter(type=Rollouts),
              "warm_start": ChannelParameter(type=standard_artifacts.Model, optional=True),
              "earlier_rollouts": ChannelParameter(type=Rollouts, optional=True)}
    OUTPUTS = {"model": ChannelParameter(type=standard_artifacts.Model),
               "model_run": ChannelParameter(type=standard_artifacts.ModelRun)}


class VAETrainerExecutor(base.Executor):
    def Do(self, input_dict, output_dict, exec_properties):
        model, run = base.single(output_dict["model"]), base.single(output_dict["model_run"])
        with base.naming_inputs(input_dict):
            metrics = stage.run(
                self.config(exec_properties), base.single(input_dict["rollouts"]).uri, model.uri,
                run.uri, self.state_dir(input_dict, exec_properties),
                base.single(input_dict["warm_start"]).uri if input_dict.get("warm_start")
                else None, tuple(a.uri for a in input_dict.get("earlier_rollouts", [])))
        model.set_float_custom_property("eval_reconstruction_loss", metrics["eval_reconstruction_loss"])
        model.set_float_custom_property("eval_kl_loss", metrics["eval_kl_loss"])
        model.set_int_custom_property("steps", metrics["steps"])
        model.set_string_custom_property("precision", metrics["precision"])


class VAETrainer(base_component.BaseComponent):
    SPEC_CLASS = VAETrainerSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(VAETrainerExecutor)

    def __init__(self, rollouts: types.BaseChannel, config,
                 warm_start: types.BaseChannel | None = None,
                 earlier_rollouts: types.BaseChannel | None = None):
        super().__init__(spec=VAETrainerSpec(
            rollouts=rollouts, warm_start=warm_start, earlier_rollouts=earlier_rollouts,
            model=channel.Channel(type=standard_artifacts.Model),
            model_run=channel.Channel(type=standard_artifacts.ModelRun),
            **base.config_parameters(config, SECTIONS, __name__)))

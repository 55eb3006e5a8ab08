"""Evaluator: V + M + C as one agent SavedModel, scored on fixed seeds, BLESSED when its mean
return reaches the threshold. The blessing carries the `blessed` custom property that TFX's
Pusher reads, and the agent sits in `Format-Serving` where the Pusher looks."""
import os

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import channel, standard_artifacts
from tfx.types.component_spec import ChannelParameter

from components import base
from worldmodels.stages import evaluator as stage

SECTIONS = ("env", "controller", "evaluator")


class EvaluatorSpec(types.ComponentSpec):
    PARAMETERS = base.PARAMETERS
    INPUTS = {"vae": ChannelParameter(type=standard_artifacts.Model),
              "rnn": ChannelParameter(type=standard_artifacts.Model),
              "controller": ChannelParameter(type=standard_artifacts.Model)}
    OUTPUTS = {"agent": ChannelParameter(type=standard_artifacts.Model),
               "evaluation": ChannelParameter(type=standard_artifacts.ModelEvaluation),
               "blessing": ChannelParameter(type=standard_artifacts.ModelBlessing)}


class EvaluatorExecutor(base.BeamExecutor):
    def Do(self, input_dict, output_dict, exec_properties):
        agent = base.single(output_dict["agent"])
        evaluation = base.single(output_dict["evaluation"])
        blessing = base.single(output_dict["blessing"])
        with base.naming_inputs(input_dict):
            result = stage.run(
                self.config(exec_properties), base.single(input_dict["vae"]).uri,
                base.single(input_dict["rnn"]).uri, base.single(input_dict["controller"]).uri,
                agent.uri, evaluation.uri, self.beam_args())
        for artifact in (agent, evaluation):
            artifact.set_float_custom_property("mean_return", result["mean"])
            artifact.set_float_custom_property("std_return", result["std"])
            for name in ("iqm", "iqm_ci_low", "iqm_ci_high"):
                artifact.set_float_custom_property(f"{name}_return", result[name])
            artifact.set_int_custom_property("episodes", len(result["returns"]))
            base.record_workers(artifact, result["worker_ids"])
        for name in ("rank_correlation", "gap"):
            if result["dream_fidelity"].get(name) is not None:
                evaluation.set_float_custom_property(f"dream_{name}",
                                                     result["dream_fidelity"][name])
        verdict = "BLESSED" if result["blessed"] else "NOT_BLESSED"
        os.makedirs(blessing.uri, exist_ok=True)
        open(os.path.join(blessing.uri, verdict), "w").close()
        blessing.set_int_custom_property("blessed", int(result["blessed"]))
        blessing.set_string_custom_property("current_model", agent.uri)
        blessing.set_float_custom_property("threshold", result["threshold"])


class Evaluator(base_beam_component.BaseBeamComponent):
    SPEC_CLASS = EvaluatorSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(EvaluatorExecutor)

    def __init__(self, vae: types.BaseChannel, rnn: types.BaseChannel,
                 controller: types.BaseChannel, config):
        super().__init__(spec=EvaluatorSpec(
            vae=vae, rnn=rnn, controller=controller,
            agent=channel.Channel(type=standard_artifacts.Model),
            evaluation=channel.Channel(type=standard_artifacts.ModelEvaluation),
            blessing=channel.Channel(type=standard_artifacts.ModelBlessing),
            **base.config_parameters(config, SECTIONS, __name__)))

"""What every worldmodels executor shares: the config parameter, the code fingerprint, and
the resume directory for stages that checkpoint."""
from __future__ import annotations

import contextlib
import json
import os
from typing import Any

from tfx.dsl.components.base import base_beam_executor, base_executor
from tfx.types import artifact_utils
from tfx.types.component_spec import ExecutionParameter

from components import fingerprint, resume
from worldmodels import config as configlib
from worldmodels.data import checks

PARAMETERS = {
    "config": ExecutionParameter(type=str),  # Config JSON (the sections this stage uses)
    "code_fingerprint": ExecutionParameter(type=str),  # see components/fingerprint.py
}


def config_parameters(cfg: configlib.Config, sections: tuple[str, ...], module: str) -> dict:
    """The parameters of the component defined in `module`: only its own config sections, so
    changing, say, the evaluator threshold does not invalidate the cached rollouts, and the
    fingerprint of the code it runs, so changed code is not served cached results."""
    return {"config": configlib.sections_json(cfg, sections),
            "code_fingerprint": fingerprint.fingerprint(module)}


class _Common:
    """What the six executors share: parsed config and a resumable state directory."""

    def config(self, exec_properties: dict[str, Any]) -> configlib.Config:
        return configlib.Config.from_json(exec_properties["config"])

    def state_dir(self, input_dict, exec_properties) -> str:
        """The stateful working directory, seeded from an earlier killed execution of the same
        inputs and parameters (TFX keeps that directory when an execution does not finish)."""
        key = json.dumps({
            "inputs": {k: [a.uri for a in v] for k, v in sorted(input_dict.items())},
            "parameters": {k: v for k, v in sorted(exec_properties.items())}}, sort_keys=True)
        return resume.adopt(self._context.stateful_working_dir, key)


class Executor(_Common, base_executor.BaseExecutor):
    pass


class BeamExecutor(_Common, base_beam_executor.BaseBeamExecutor):
    """Runs its episodes on Beam workers when the pipeline has Beam arguments (BeamDagRunner),
    on local worker processes otherwise."""

    def beam_args(self) -> list[str] | None:
        return list(self._beam_pipeline_args) or None


@contextlib.contextmanager
def naming_inputs(input_dict: dict):
    """A missing or damaged input artifact's one-line error gets the input's name and MLMD id."""
    try:
        yield
    except checks.ArtifactError as err:
        for key, artifacts in sorted(input_dict.items()):
            for artifact in artifacts:
                if os.path.normpath(artifact.uri) == os.path.normpath(err.directory):
                    raise err.named(f"input '{key}' (MLMD artifact {artifact.id})") from None
        raise


def record_workers(artifact, worker_ids: list[str]) -> None:
    """Which worker ran each shard or episode, so lineage shows where the work went."""
    artifact.set_string_custom_property("worker_ids", json.dumps(worker_ids))


def single(artifacts: list):
    return artifact_utils.get_single_instance(artifacts)

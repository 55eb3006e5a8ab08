"""Runs the pipeline with TFX's BeamDagRunner; the Beam arguments also reach every Beam
component (RolloutGen, LatentTransform, ControllerSearch, Evaluator) through the pipeline."""
from __future__ import annotations

import os

from tfx.orchestration.beam.beam_dag_runner import BeamDagRunner

from pipeline.pipeline import create_pipeline, sqlite_metadata
from worldmodels.config import Config

_DEPENDENCY_FLAGS = ("--extra_package", "--setup_file", "--requirements_file",
                     "--sdk_container_image", "--worker_harness_container_image")
SETUP_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "setup.py")


def with_setup_file(beam_args: list[str]) -> list[str]:
    """Ships this project to remote workers via its setup.py unless the user chose how (an
    image or a package); otherwise TFX would build and stage an sdist of TFX itself."""
    if any(arg.split("=")[0] in _DEPENDENCY_FLAGS for arg in beam_args) or not os.path.exists(SETUP_FILE):
        return list(beam_args)
    return list(beam_args) + [f"--setup_file={SETUP_FILE}"]


def run(config: Config, root: str, beam_args: list[str], enable_cache: bool = True,
        until: str = "Evaluator") -> list[str]:
    """Runs the pipeline on Beam; returns its component ids."""
    pipeline = create_pipeline(config, root, with_setup_file(beam_args),
                               enable_cache=enable_cache,
                               metadata_connection_config=sqlite_metadata(root), until=until)
    BeamDagRunner().run(pipeline)
    return [component.id for component in pipeline.components]

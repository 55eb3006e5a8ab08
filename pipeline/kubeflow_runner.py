"""Compiles the pipeline to a Kubeflow Pipelines (V2) pipeline spec JSON with TFX's
KubeflowV2DagRunner; every component runs in the project's Docker image."""
from __future__ import annotations

import os

from tfx.orchestration.kubeflow.v2 import kubeflow_v2_dag_runner

from pipeline.pipeline import create_pipeline
from worldmodels.config import Config

DEFAULT_IMAGE = "worldmodels:0.1.0"  # built from this repository's Dockerfile


def compile_pipeline(config: Config, output: str, pipeline_root: str, image: str = DEFAULT_IMAGE,
                     beam_args: list[str] | None = None) -> str:
    output = os.path.abspath(output)
    runner = kubeflow_v2_dag_runner.KubeflowV2DagRunner(
        config=kubeflow_v2_dag_runner.KubeflowV2DagRunnerConfig(default_image=image),
        output_dir=os.path.dirname(output), output_filename=os.path.basename(output))
    # The pipeline root is where Kubeflow's workers write artifacts (a GCS or other shared path).
    runner.run(create_pipeline(config, pipeline_root, beam_args), write_out=True)
    return output

"""Runs the pipeline with TFX's LocalDagRunner (the default orchestrator)."""
from __future__ import annotations

from tfx.orchestration.local.local_dag_runner import LocalDagRunner

from pipeline.pipeline import create_pipeline, sqlite_metadata
from worldmodels.config import Config


def run(config: Config, root: str, enable_cache: bool = True,
        until: str = "Evaluator") -> list[str]:
    """Runs the pipeline; returns its component ids."""
    pipeline = create_pipeline(config, root, enable_cache=enable_cache,
                               metadata_connection_config=sqlite_metadata(root), until=until)
    LocalDagRunner().run(pipeline)
    return [component.id for component in pipeline.components]

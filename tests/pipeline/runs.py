"""Running the `worldmodels` command the way a user does, in a fresh process."""
from __future__ import annotations

import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args, cwd: str = REPO, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900, **kwargs)


def newest_outputs(root: str) -> dict:
    """{component: {output key: uri}} of each stage's newest finished execution."""
    from worldmodels.inspect import metadata

    store = metadata.open_store(root)
    out = {}
    for stage in metadata.STAGES:
        last = metadata.finished_executions(store, f"components.{stage}")[-1]
        out[stage.split(".")[1]] = {k: a.uri for k, a in metadata.output_artifacts(
            store, last.id).items()}
    return out

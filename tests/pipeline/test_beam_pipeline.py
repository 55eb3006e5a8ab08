"""The tiny pipeline under TFX's BeamDagRunner with Beam inside the components (DirectRunner,
multi_processing, 2 workers): it completes, and every stage's output equals the local run's."""
from __future__ import annotations

import pytest
from ml_metadata.proto import metadata_store_pb2

from tests.pipeline.compare import assert_same_artifacts
from tests.pipeline.runs import cli
from worldmodels.inspect import metadata

pytestmark = pytest.mark.slow

BEAM_ARGS = ["--beam-arg=--direct_running_mode=multi_processing", "--beam-arg=--direct_num_workers=2"]


@pytest.fixture(scope="module")
def beam_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("beam"))
    result = cli("run", "--preset", "tiny", "--root", root, "--runner", "beam", *BEAM_ARGS)
    assert result.returncode == 0, result.stderr[-3000:]
    return root


def test_six_components_complete_under_beam_dag_runner(beam_root):
    store = metadata.open_store(beam_root)
    states = [e.last_known_state for e in store.get_executions()]
    assert states == [metadata_store_pb2.Execution.COMPLETE] * 6


def test_beam_outputs_equal_the_local_run(beam_root, tiny_root):
    assert_same_artifacts(beam_root, tiny_root[0])

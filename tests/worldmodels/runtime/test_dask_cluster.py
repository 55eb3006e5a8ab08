"""Beam's DaskRunner as the project uses it: the short name, one partition per task, and one
line naming the flag when the scheduler is missing, unreachable or has threaded workers."""
from __future__ import annotations

import pytest

from worldmodels.runtime import dask_cluster


def test_the_short_runner_name_becomes_beams_module_path():
    assert dask_cluster.resolve(["--runner=DaskRunner", "--x=1"]) == [f"--runner={dask_cluster.DASK_RUNNER}", "--x=1"]
    assert dask_cluster.resolve(["--runner", "dask"]) == ["--runner", dask_cluster.DASK_RUNNER]
    assert dask_cluster.resolve(["--runner=DirectRunner"]) == ["--runner=DirectRunner"]
    assert dask_cluster.is_dask(["--runner=daskrunner"]) and not dask_cluster.is_dask(["--direct_num_workers=2"])


def test_one_partition_per_task_unless_the_user_chose():
    assert dask_cluster.partition_args(["--runner=DaskRunner"], 8) == ["--runner=DaskRunner", "--dask_npartitions=8"]
    assert dask_cluster.partition_args(["--dask_partition_size=4"], 8) == ["--dask_partition_size=4"]


def test_results_go_under_the_root_on_a_cluster():
    dask = ["--runner=DaskRunner", "--dask_client_address=h:1"]
    assert dask_cluster.with_shared_temp(dask, "/r") == dask + ["--temp_location=/r/beam-temp"]
    assert dask_cluster.with_shared_temp(dask + ["--temp_location=/s"], "/r") == dask + ["--temp_location=/s"]
    assert dask_cluster.with_shared_temp(["--direct_num_workers=2"], "/r") == ["--direct_num_workers=2"]


@pytest.mark.parametrize("args, message", [
    (["--runner=DaskRunner"], "--runner=DaskRunner: give --beam-arg=--dask_client_address"),
    (["--runner=DaskRunner", "--dask_client_address=127.0.0.1:1", "--dask_connection_timeout=1"],
     "--dask_client_address=127.0.0.1:1: no Dask scheduler reached"),
    (["--runner=DaskRunner", "--dask_scheduler_file=/no/such/file"],
     "--dask_scheduler_file=/no/such/file: no Dask scheduler reached"),
])
def test_a_missing_or_unreachable_scheduler_is_one_line_naming_the_flag(args, message):
    with pytest.raises(ValueError, match="^" + message.replace(".", r"\.")) as err:
        dask_cluster.worker_count(args)
    assert "\n" not in str(err.value)


def test_workers_are_counted_and_threaded_workers_refused():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None) as local:
        assert dask_cluster.worker_count(["--runner=DaskRunner", f"--dask_client_address={local.scheduler_address}"]) == 2
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as local:
        with pytest.raises(ValueError, match="has 2 threads; start workers with `--nthreads 1`"):
            dask_cluster.worker_count(["--runner=DaskRunner", f"--dask_client_address={local.scheduler_address}"])


def test_the_cli_ends_in_one_line_when_the_scheduler_does_not_answer(tmp_path):
    from tests.pipeline.runs import cli

    result = cli("run", "--root", str(tmp_path), "--runner", "beam", "--beam-arg=--runner=DaskRunner",
                 "--beam-arg=--dask_client_address=127.0.0.1:1", "--beam-arg=--dask_connection_timeout=1")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(
        "worldmodels: error: --dask_client_address=127.0.0.1:1: no Dask scheduler reached")
    assert "Traceback" not in result.stderr

"""The tiny pipeline on a real Dask cluster: `dask scheduler` and two `dask worker` processes
started as the README starts them, Beam's DaskRunner inside the components. Every artifact
equals the local run's, both workers ran shards, candidates and episodes, and the cluster is
shut down with no process left behind."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.pipeline.compare import assert_same_artifacts, outputs
from tests.pipeline.runs import REPO, cli

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 120


class LocalDaskCluster:
    """A scheduler and `workers` single-threaded workers, each in its own process group."""

    def __init__(self, directory: str, workers: int):
        scheduler_file = os.path.join(directory, "scheduler.json")
        env = {**os.environ, "PYTHONPATH": REPO}
        self._log = open(os.path.join(directory, "cluster.log"), "w")
        dask = [sys.executable, "-m", "dask"]
        self.processes = [self._start(dask + [
            "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0",
            "--scheduler-file", scheduler_file], env)]
        _wait_for(lambda: os.path.exists(scheduler_file), "the scheduler file")
        with open(scheduler_file) as f:
            self.address = json.load(f)["address"]
        self.processes += [self._start(dask + [
            "worker", self.address, "--nthreads", "1", "--name", f"worker-{i}", "--no-dashboard"],
            env) for i in range(workers)]
        _wait_for(lambda: len(self.worker_addresses()) == workers, f"{workers} workers")

    def _start(self, command: list[str], env: dict) -> subprocess.Popen:
        return subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def worker_addresses(self) -> set[str]:
        from distributed import Client

        with Client(self.address, timeout=30, set_as_default=False) as client:
            return set(client.scheduler_info(n_workers=-1)["workers"])

    def stop(self) -> None:
        """SIGTERM to each process group we started (SIGKILL after 30 s), and wait."""
        for p in self.processes:
            _signal_group(p.pid, signal.SIGTERM)
        deadline = time.time() + 30
        for p in self.processes:
            try:
                p.wait(timeout=max(deadline - time.time(), 0.1))
            except subprocess.TimeoutExpired:
                _signal_group(p.pid, signal.SIGKILL)
                p.wait()
        _wait_for(lambda: not self.left_behind(), "the cluster's processes to end", 30)
        self._log.close()

    def left_behind(self) -> list[int]:
        """Live (not zombie) processes in the groups we started."""
        groups = {p.pid for p in self.processes}
        left = []
        for proc in psutil.process_iter(["pid", "status"]):
            try:
                if os.getpgid(proc.pid) in groups and proc.info["status"] != psutil.STATUS_ZOMBIE:
                    left.append(proc.pid)
            except (ProcessLookupError, psutil.Error):
                pass
        return left


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _wait_for(condition, what: str, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory):
    cluster = LocalDaskCluster(str(tmp_path_factory.mktemp("dask")), workers=2)
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def dask_run(dask_cluster, tmp_path_factory):
    root = str(tmp_path_factory.mktemp("dask_run"))
    result = cli("run", "--preset", "tiny", "--root", root, "--runner", "beam",
                 "--beam-arg=--runner=DaskRunner",
                 f"--beam-arg=--dask_client_address={dask_cluster.address}")
    assert result.returncode == 0, result.stderr[-3000:]
    return root, dask_cluster.worker_addresses()


def test_dask_outputs_equal_the_local_run(dask_run, tiny_root):
    assert_same_artifacts(dask_run[0], tiny_root[0])


def test_both_workers_ran_shards_candidates_and_episodes(dask_run):
    root, workers = dask_run
    assert len(workers) == 2
    run = outputs(root)
    for component, key in (("RolloutGen", "rollouts"), ("LatentTransform", "latents"),
                           ("Evaluator", "evaluation")):
        ids = json.loads(run[component][key].custom_properties["worker_ids"].string_value)
        assert set(ids) == workers, component
    with open(os.path.join(run["ControllerSearch"]["model"].uri, "history.json")) as f:
        for generation in json.load(f):
            assert set(generation["workers"]) == workers, generation["generation"]


def test_the_cluster_shuts_down_with_no_process_left(dask_cluster, dask_run):
    dask_cluster.stop()
    assert dask_cluster.left_behind() == []
    assert all(p.poll() is not None for p in dask_cluster.processes)

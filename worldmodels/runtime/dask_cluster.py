"""Beam's DaskRunner the way this project needs it on a Dask cluster.

Beam does not know the short name `DaskRunner`, and the runner puts up to 128 elements in one
Dask partition, so a batch of 8 tasks ran in one worker process: here every task gets its own
partition. The scheduler is checked before the first stage (one line naming the flag when it
does not answer), and every task records which worker ran it.
"""
from __future__ import annotations

import asyncio
import json
import os
import socket
import sys

DASK_RUNNER = "apache_beam.runners.dask.dask_runner.DaskRunner"
_SHORT_NAMES = {"dask", "daskrunner", DASK_RUNNER.lower()}
CONNECT_TIMEOUT_S = 10


def resolve(beam_args: list[str]) -> list[str]:
    """The Beam arguments with `--runner=DaskRunner` (or `--runner DaskRunner`) spelled as the
    runner's module path, which is what Beam can load."""
    out = list(beam_args)
    for i, arg in enumerate(out):
        if arg.lower() in {f"--runner={name}" for name in _SHORT_NAMES}:
            out[i] = f"--runner={DASK_RUNNER}"
        elif arg == "--runner" and i + 1 < len(out) and out[i + 1].lower() in _SHORT_NAMES:
            out[i + 1] = DASK_RUNNER
    return out


def is_dask(beam_args: list[str]) -> bool:
    return _option(resolve(beam_args), "runner") == DASK_RUNNER


def with_shared_temp(beam_args: list[str], root: str) -> list[str]:
    """Task results travel through files: on a Dask cluster they go under the run's root,
    which every worker reaches, unless --temp_location says where."""
    if not is_dask(beam_args) or _option(beam_args, "temp_location"):
        return list(beam_args)
    return list(beam_args) + [f"--temp_location={os.path.join(root, 'beam-temp')}"]


def partition_args(beam_args: list[str], tasks: int) -> list[str]:
    """One Dask partition per task, unless the user chose the partitioning."""
    if _option(beam_args, "dask_npartitions") or _option(beam_args, "dask_partition_size"):
        return list(beam_args)
    return list(beam_args) + [f"--dask_npartitions={max(tasks, 1)}"]


def worker_count(beam_args: list[str]) -> int:
    """The cluster's worker processes, asked of its scheduler. Each must run one task at a
    time: workers cache their environments and models per process (see runtime.pools.cached).
    Without an address the DaskRunner would start a new local cluster for every batch of
    tasks, so one is required."""
    flag = _flag_used(beam_args)
    if not flag:
        raise ValueError("--runner=DaskRunner: give --beam-arg=--dask_client_address=HOST:PORT of "
                         "a running `dask scheduler` (or --beam-arg=--dask_scheduler_file=FILE)")
    try:
        timeout = int(_option(beam_args, "dask_connection_timeout") or CONNECT_TIMEOUT_S)
    except ValueError:
        raise ValueError("--dask_connection_timeout: not a whole number of seconds") from None
    try:
        workers = asyncio.run(_scheduler_workers(_address(beam_args), timeout))
    except Exception as err:  # noqa: BLE001  (refused, timed out, not a scheduler: one line)
        raise ValueError(f"{flag}: no Dask scheduler reached ({type(err).__name__}; timeout "
                         f"{timeout} s); start one with `dask scheduler`") from None
    if not workers:
        raise ValueError(f"{flag}: the Dask scheduler has no workers; start them with "
                         "`dask worker ADDRESS --nthreads 1`")
    threaded = sorted(w for w, info in workers.items() if info["nthreads"] != 1)
    if threaded:
        raise ValueError(f"{flag}: Dask worker {threaded[0]} has "
                         f"{workers[threaded[0]]['nthreads']} threads; start workers with "
                         "`--nthreads 1` (parallelism comes from worker processes)")
    return len(workers)


async def _scheduler_workers(address: str, timeout: int) -> dict:
    from distributed.core import rpc

    async with rpc(address, timeout=timeout) as scheduler:
        return (await asyncio.wait_for(scheduler.identity(), timeout))["workers"]


def _address(beam_args: list[str]) -> str:
    address = _option(beam_args, "dask_client_address")
    if address:
        return address
    with open(_option(beam_args, "dask_scheduler_file")) as f:
        return json.load(f)["address"]


def worker_id() -> str:
    """Who runs this task: the Dask worker's address inside a Dask worker, else host:pid."""
    if "distributed" in sys.modules:
        from distributed import get_worker

        try:
            return get_worker().address
        except ValueError:
            pass
    return f"{socket.gethostname()}:{os.getpid()}"


def _flag_used(beam_args: list[str]) -> str | None:
    for name in ("dask_client_address", "dask_scheduler_file"):
        if _option(beam_args, name):
            return f"--{name}={_option(beam_args, name)}"
    return None


def _option(beam_args: list[str], name: str) -> str | None:
    """The value of --name=VALUE or --name VALUE in Beam's argument list (last one wins)."""
    value = None
    for i, arg in enumerate(beam_args):
        key, eq, rest = arg.partition("=")
        if key == f"--{name}":
            value = rest if eq else (beam_args[i + 1] if i + 1 < len(beam_args) else None)
    return value

"""Worker scaling: the same episodes (untrained V and M, random C, the same seeds) played by
RealScorer on pools of 1 and 2 workers, each worker on one core. Pools whose workers live on
(local processes, a Dask cluster) are warmed up until every worker holds V and M, so their
start-up is not timed; the DirectRunner starts fresh workers for every generation, so its
start-up and V and M's loading are timed.

--pool process  rollout throughput (V, M and C acting), 2 local worker processes vs 1 (this
                process). Floor: 1.7x.
--pool beam     one CMA-ES generation's wall time on Beam's DirectRunner (multi_processing),
                2 workers vs 1. Floor: 1.6x.
--pool dask     rollout throughput through Beam's DaskRunner on a local Dask cluster, 2 worker
                processes vs 1 (floor: 1.7x) and vs 2 local worker processes (floor: 0.9).
--overhead      one CMA-ES generation's overhead (wall time minus the longest task's time in a
                worker) against that task's time, 2 workers: a local Dask cluster, whose workers
                keep V and M between generations, and the DirectRunner (its tasks' loading of V
                and M counts as task time, so its overhead is understated). Goal: Dask < 5%.

Exits 1 when a floor or the goal is missed, when the returns differ between runs, or when a
run's jobs did not reach all its workers. Every mode takes [--envs 32], environments per worker.

    .venv/bin/python benchmarks/bench_workers.py --pool process [--episodes 64] [--steps 300]
    .venv/bin/python benchmarks/bench_workers.py --pool beam [--population 64] [--tracks 1] [--steps 1000]
    .venv/bin/python benchmarks/bench_workers.py --pool dask [--episodes 64] [--steps 200]
    .venv/bin/python benchmarks/bench_workers.py --overhead [--population 64] [--tracks 1] [--steps 1000]
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import tempfile
import time

import common
import numpy as np

GAME = "CarRacing-v3"
OVERHEAD_GOAL = 0.05


@contextlib.contextmanager
def local(workers: int):
    """This process for 1 worker (as ControllerSearch runs small jobs), else spawned ones."""
    from worldmodels.runtime import pools

    yield pools.InProcess() if workers == 1 else pools.ProcessPool(workers)


@contextlib.contextmanager
def direct(workers: int):
    """Beam's DirectRunner, a worker process each, started afresh for every pipeline."""
    from worldmodels.runtime import pools

    yield pools.BeamPool(["--direct_running_mode=multi_processing",
                          f"--direct_num_workers={workers}"])


@contextlib.contextmanager
def dask(workers: int):
    """Beam's DaskRunner on a local cluster of worker processes, kept for the pool's life."""
    from distributed import LocalCluster

    from worldmodels.runtime import pools

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        yield pools.BeamPool(["--runner=DaskRunner",
                              f"--dask_client_address={cluster.scheduler_address}"])


@dataclasses.dataclass(frozen=True)
class Mode:
    runs: tuple  # (label, pool, workers) per run
    defaults: dict  # episodes (rollouts) or population and tracks (a generation); steps
    floors: tuple = ()  # (run, its baseline run, ratio name, floor): indices into runs


MODES = {
    "process": Mode((("1 worker", local, 1), ("2 workers", local, 2)),
                    {"episodes": 64, "steps": 300}, ((1, 0, "speed-up", 1.7),)),
    "beam": Mode((("1 Beam worker", direct, 1), ("2 Beam workers", direct, 2)),
                 {"population": 64, "tracks": 1, "steps": 1000}, ((1, 0, "speed-up", 1.6),)),
    "dask": Mode((("Dask, 1 worker", dask, 1), ("Dask, 2 workers", dask, 2),
                  ("local, 2 processes", local, 2)),
                 {"episodes": 64, "steps": 200},
                 ((1, 0, "Dask, 2 vs 1 workers", 1.7),
                  (1, 2, "Dask 2 workers vs 2 local processes", 0.9))),
    "overhead": Mode((("Dask cluster (workers kept)", dask, 2),
                      ("DirectRunner (fresh workers, task loads V and M)", direct, 2)),
                     {"population": 64, "tracks": 1, "steps": 1000}),
}


@dataclasses.dataclass
class Run:
    label: str
    seconds: float  # wall time of the timed generation or rollouts
    task_seconds: float  # its longest task's time inside a worker
    steps: int  # environment steps played
    returns: np.ndarray
    workers: int
    used: int  # workers that ran its jobs

    @property
    def throughput(self) -> float:
        return self.steps / self.seconds


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--pool", choices=["process", "beam", "dask"], help="2 workers vs 1")
    what.add_argument("--overhead", action="store_true", help="Dask vs DirectRunner overhead")
    parser.add_argument("--episodes", type=int,
                        help="process, dask: episodes, each its own candidate and track (64)")
    parser.add_argument("--population", type=int, help="beam, --overhead: candidates (64)")
    parser.add_argument("--tracks", type=int, help="beam, --overhead: episodes per candidate (1)")
    parser.add_argument("--steps", type=int, help="episode length cap (process 300, dask 200, "
                                                  "beam and --overhead 1000)")
    parser.add_argument("--envs", type=int, default=32, help="environments per worker")
    args = parser.parse_args()
    args.mode = "overhead" if args.overhead else args.pool
    defaults = MODES[args.mode].defaults
    for name in ("episodes", "population", "tracks"):
        if name not in defaults and getattr(args, name) is not None:
            parser.error(f"--{name} does not apply to {args.mode}")
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def one_core_a_worker() -> None:
    """TensorFlow on one core in every worker (this process's and the spawned ones), so 2
    workers have exactly twice the cores of 1."""
    os.environ.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="1")
    common.one_tf_thread()


def rollouts(args) -> bool:
    """Whether the mode times rollouts (episodes) rather than a generation (population)."""
    return "episodes" in MODES[args.mode].defaults


def workload(args) -> tuple[np.ndarray, list]:
    """Random C parameters and the jobs: rollouts (episode i: candidate i on track i) or one
    generation (every candidate on tracks 0..tracks-1)."""
    from worldmodels.engine import episodes
    from worldmodels.models import controller

    count = args.episodes if rollouts(args) else args.population
    params = np.random.default_rng(0).normal(0, 0.1, (count, controller.parameter_count()))
    jobs = ([episodes.Job(i, i) for i in range(count)] if rollouts(args)
            else episodes.population_jobs(count, list(range(args.tracks))))
    return params.astype(np.float32), jobs


def keeps_workers(pool) -> bool:
    """The DirectRunner starts fresh workers for every pipeline: nothing to warm up."""
    from worldmodels.runtime import pools

    return not isinstance(pool, pools.BeamPool) or pool.dask


def warm_up(scorer, params: np.ndarray) -> None:
    """An episode a worker until every worker has loaded V and M and built its environments."""
    from worldmodels.engine import episodes

    workers = scorer.pool.workers
    few = [episodes.Job(i, 10**6 + i) for i in range(workers)]
    while len(set(scorer.job_workers)) < workers:
        scorer.score(params[:workers], few)


def play(label: str, pool_of, workers: int, world: tuple, args, params, jobs) -> Run:
    """One timed scorer.score on a (warmed-up, where its workers live on) pool."""
    from worldmodels.engine.scorers import RealScorer

    with pool_of(workers) as pool, RealScorer(pool, GAME, args.steps, *world, args.envs) as scorer:
        if keeps_workers(pool):
            warm_up(scorer, params)
        steps_before, start = scorer.steps, time.perf_counter()
        returns = scorer.score(params, jobs)
        seconds = time.perf_counter() - start
        return Run(label, seconds, max(pool.last_seconds), scorer.steps - steps_before, returns,
                   workers, len(set(scorer.job_workers)))


def runs_agree(runs: list[Run]) -> bool:
    """The returns never depend on the pool, and every worker took part."""
    same = all(np.array_equal(runs[0].returns, run.returns) for run in runs[1:])
    labels = "; ".join(run.label for run in runs)
    print(f"same returns in every run ({labels}):", same)
    print("workers that ran jobs:", "; ".join(f"{run.label}: {run.used} of {run.workers}"
                                              for run in runs))
    return same and all(run.used == run.workers for run in runs)


def title(args) -> str:
    if rollouts(args):
        return (f"Rollout throughput, {args.episodes} episodes of <= {args.steps} steps "
                "(environment steps played per second)")
    return (f"One CMA-ES generation on Beam (population {args.population} x {args.tracks} "
            f"episodes of <= {args.steps} steps)")


def floors_met(runs: list[Run], args) -> bool:
    """Each run's speed-up over its baseline, the two side by side, against its floor."""
    ok = True
    for run, base, name, floor in MODES[args.mode].floors:
        pair = (runs[base], runs[run])
        if rollouts(args):
            rows, unit = [(r.label, r.throughput) for r in pair], "steps/s"
        else:
            rows, unit = [(r.label, r.seconds) for r in pair], "s"
        speed_up = runs[run].throughput / runs[base].throughput  # = seconds' ratio: same steps
        ok = common.table(title(args), rows, unit, name, speed_up, floor) and ok
    return ok


def overhead_met(runs: list[Run], args) -> bool:
    """Each runner's overhead beside its task time; the Dask cluster's against the goal."""
    print(f"\nOne generation, population {args.population} x {args.tracks} episodes of <= "
          f"{args.steps} steps, 2 workers: wall time, longest task in a worker, overhead "
          "(wall - task)")
    for run in runs:
        overhead = run.seconds - run.task_seconds
        print(f"  {run.label:<50} {run.seconds:7.1f} s {run.task_seconds:7.1f} s "
              f"{overhead:6.1f} s = {overhead / run.task_seconds:.1%} of the task")
    dask_ratio = (runs[0].seconds - runs[0].task_seconds) / runs[0].task_seconds
    verdict = "meets" if dask_ratio < OVERHEAD_GOAL else "MISSES"
    print(f"  Dask overhead {dask_ratio:.1%} ({verdict} the goal of < {OVERHEAD_GOAL:.0%})")
    return dask_ratio < OVERHEAD_GOAL


def main() -> int:
    args = parse_args()
    one_core_a_worker()
    params, jobs = workload(args)
    with tempfile.TemporaryDirectory() as tmp:
        world = common.untrained_world_model(tmp)
        runs = [play(label, pool_of, workers, world, args, params, jobs)
                for label, pool_of, workers in MODES[args.mode].runs]
    ok = runs_agree(runs)
    ok = (overhead_met(runs, args) if args.mode == "overhead" else floors_met(runs, args)) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

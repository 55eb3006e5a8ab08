"""The search laboratory: ControllerSearch's CMA-ES under several settings, from the same V and
M, each run to the same budget of environment steps.

Each generation is the search's own (engine.generation.play) and the mean a run would hand on
is chosen by the search's own rule (training.cmaes.handed_on). The runs take turns, one
generation at a time, the run with the fewest steps going next, so whenever the laboratory
stops every run stands at about the same cost. Generation g plays the same tracks in every run
(the search's track layout with one stride, TRACK_STRIDE, for all settings), and each run's
distribution mean is watched on the same fixed tracks each time its steps pass a multiple of
`watch_every`. Steps count the search's own episodes; watching is measurement, counted
apart. Every run's state is saved after each of its generations, so a stopped laboratory
resumes where it was, and kept at each watch as a snapshot, so a late-phase lever can branch
off a run where it stood (`branch`) instead of searching again from the start.
"""
from __future__ import annotations

import copy
import os
import pickle
import time
from dataclasses import dataclass, field

import numpy as np

from worldmodels import atomic, seeds
from worldmodels.config import ControllerConfig
from worldmodels.engine import episodes, generation
from worldmodels.training import cmaes

TRACK_STRIDE = 16  # tracks reserved per generation: settings of up to 16 tracks share them


@dataclass
class Watch:
    steps: int  # the run's search steps when its mean was watched
    generation: int  # generations done
    mean: float
    std: float
    params: np.ndarray


@dataclass
class LabRun:
    """One setting under one CMA-ES seed: its search, its cost so far and its watched means."""
    setting: str
    cma_seed: int
    controller: ControllerConfig
    search: cmaes.CMASearch
    steps: int = 0
    watch_steps: int = 0  # steps spent watching the mean
    seconds: float = 0.0
    watches: list[Watch] = field(default_factory=list)
    parent: str | None = None  # "RUN@STEPS": the snapshot this run branched off

    @property
    def name(self) -> str:
        return f"{self.setting}-seed{self.cma_seed}"


def watch_tracks(run_seed: int, count: int) -> list[int]:
    """The fixed tracks every run's mean is watched on (the search's evaluation range, not
    the Evaluator's)."""
    return seeds.seeds(run_seed, "search_eval", 0, count)


HELD_OUT_START = 50_000  # in the search's evaluation range, far past any watch tracks


def held_out_tracks(run_seed: int, count: int) -> list[int]:
    """Tracks no run searched or was watched on: for judging which watched mean to hand on."""
    return seeds.seeds(run_seed, "search_eval", HELD_OUT_START, count)


class Laboratory:
    """The runs, their shared scorer and tracks, and the rule for who goes next."""

    def __init__(self, runs: list[LabRun], scorer, run_seed: int, budget: int, watch_every: int,
                 watch_count: int, state_dir: str):
        self.runs, self.scorer, self.run_seed = runs, scorer, run_seed
        self.budget, self.watch_every, self.state_dir = budget, watch_every, state_dir
        self.watch_jobs = [episodes.Job(0, s) for s in watch_tracks(run_seed, watch_count)]
        os.makedirs(snapshot_dir(state_dir), exist_ok=True)

    def next_run(self) -> LabRun | None:
        """The unfinished run with the fewest steps (the first listed of equals)."""
        open_runs = [r for r in self.runs if r.steps < self.budget]
        return min(open_runs, key=lambda r: r.steps) if open_runs else None

    def generation(self, run: LabRun) -> None:
        """One generation of `run`, its mean watched at each `watch_every` mark it passes,
        then its state saved."""
        started = time.time()
        cc = run.controller
        tracks = generation.track_seeds(self.run_seed, cc, run.search.generation, TRACK_STRIDE)
        before = self.scorer.steps
        stats, _ = generation.play(run.search, self.scorer, tracks, cc.stuck_steps,
                                   cc.track_groups)
        marks_before = run.steps // self.watch_every
        run.steps += self.scorer.steps - before
        stats.env_steps, stats.episodes = run.steps, cc.episodes_at(stats.generation)
        watched = run.steps // self.watch_every > marks_before or run.steps >= self.budget
        if watched:
            self.watch(run)
        run.seconds += time.time() - started
        self.save(run)
        if watched:
            atomic.write_pickle(run, snapshot_path(self.state_dir, run.name, run.steps))

    def watch(self, run: LabRun) -> None:
        before = self.scorer.steps
        generation.evaluate_mean(run.search, self.scorer, self.watch_jobs)
        run.watch_steps += self.scorer.steps - before
        stats = run.search.history[-1]
        run.watches.append(Watch(run.steps, run.search.generation, stats.eval_mean,
                                 stats.eval_std, run.search.evaluated_means[stats.generation]))

    def held_out(self, params: np.ndarray, count: int) -> np.ndarray:
        """`params`' returns on `count` held-out tracks (their steps not charged to any run)."""
        jobs = [episodes.Job(0, s) for s in held_out_tracks(self.run_seed, count)]
        return self.scorer.score(np.asarray(params)[None], jobs)

    def run(self, on_generation=None) -> None:
        """Generations until every run has spent the budget."""
        while (run := self.next_run()) is not None:
            self.generation(run)
            if on_generation:
                on_generation(run)

    def save(self, run: LabRun) -> None:
        atomic.write_pickle(run, run_path(self.state_dir, run.name))


def run_path(state_dir: str, name: str) -> str:
    return os.path.join(state_dir, f"{name}.pkl")


def snapshot_dir(state_dir: str) -> str:
    return os.path.join(state_dir, "snapshots")


def snapshot_path(state_dir: str, name: str, steps: int) -> str:
    return os.path.join(snapshot_dir(state_dir), f"{name}@{steps}.pkl")


def snapshot_at(state_dir: str, name: str, steps: int) -> LabRun:
    """Run `name` as it stood at its first watch at or past `steps` search steps."""
    folder, prefix = snapshot_dir(state_dir), f"{name}@"
    files = os.listdir(folder) if os.path.isdir(folder) else []
    taken = sorted(int(f[len(prefix):-4]) for f in files
                   if f.startswith(prefix) and f.endswith(".pkl") and f[len(prefix):-4].isdigit())
    at = next((t for t in taken if t >= steps), None)
    if at is None:
        raise ValueError(f"{folder}: no snapshot of {name} at or past {steps:,} steps (it has "
                         f"{', '.join(f'{t:,}' for t in taken) or 'none'})")
    return _load(snapshot_path(state_dir, name, at))


# The CMA-ES's own settings: fixed when it starts, so a branch cannot change them.
CMA_FIELDS = ("population", "sigma0", "cma_diagonal", "mirrored")


def branch(parent: LabRun, setting: str, cc: ControllerConfig) -> LabRun:
    """A new setting that continues `parent`'s search from where it stood: the same CMA-ES
    state, steps, cost and watches, the generations after it under `cc`."""
    fixed = [f for f in CMA_FIELDS if getattr(cc, f) != getattr(parent.controller, f)]
    if fixed:
        raise ValueError(f"setting {setting!r} changes {', '.join(fixed)}: set when the CMA-ES "
                         f"starts, so it cannot branch off {parent.name}")
    run = copy.deepcopy(parent)
    run.setting, run.controller = setting, cc
    run.parent = f"{parent.name}@{parent.steps}"
    run.search.weight_decay = cc.weight_decay
    return run


def _load(path: str) -> LabRun:
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception as err:
        raise ValueError(f"{path}: unreadable laboratory run ({type(err).__name__}: {err}); "
                         "delete it to start the run again") from None


def load_or_start(state_dir: str, setting: str, cma_seed: int, cc: ControllerConfig,
                  dim: int, branch_from: tuple[str, int] | None = None) -> LabRun:
    """A run's saved state, or a fresh run: from the start, or with `branch_from` (a setting,
    search steps) a branch of that setting's run under the same seed where it stood then. A
    saved run under other settings is refused: its curve would be mislabelled."""
    path = run_path(state_dir, f"{setting}-seed{cma_seed}")
    if not os.path.exists(path):
        if branch_from is not None:
            parent_setting, steps = branch_from
            parent = snapshot_at(state_dir, f"{parent_setting}-seed{cma_seed}", steps)
            return branch(parent, setting, cc)
        return LabRun(setting, cma_seed, cc, cmaes.for_controller(dim, cc, cma_seed))
    run = _load(path)
    if run.controller != cc:
        raise ValueError(f"{path}: saved under other settings than setting {setting!r} has now; "
                         "delete it or give the setting another name")
    return run


def watched_at(run: LabRun, steps: int) -> Watch | None:
    """The run's first watch at or past `steps` search steps, or None if it has not got there."""
    return next((w for w in run.watches if w.steps >= steps), None)


def best_watch(run: LabRun) -> Watch | None:
    """The watch of the mean ControllerSearch would hand on (training.cmaes.handed_on)."""
    if not run.watches:
        return None
    chosen = cmaes.handed_on(cmaes.history_rows(run.search))["generation"]
    return next(w for w in run.watches if w.generation == chosen + 1)

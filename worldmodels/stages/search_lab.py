"""Searches compared at equal cost: ControllerSearch's CMA-ES under several settings, from the
same V and M, each run to the same budget of environment steps.

The runs take turns, one generation at a time, the run with the fewest steps going next, so
whenever the laboratory stops every run stands at about the same cost. Generation g plays the
same tracks in every run (the first `episodes_at(g)` of a fixed block of TRACK_STRIDE), and each
run's distribution mean is watched on the same fixed tracks each time its steps pass a multiple
of `watch_every`. Steps count the search's own episodes; watching is measurement, counted
apart. Every run's state is saved after each of its generations, so a stopped laboratory
resumes where it was.
"""
from __future__ import annotations

import os
import pickle
import time
from dataclasses import dataclass, field

import numpy as np

from worldmodels import atomic, seeds
from worldmodels.config import ControllerConfig
from worldmodels.engine import episodes
from worldmodels.training import cmaes

TRACK_STRIDE = 16  # tracks reserved per generation: settings of up to 16 episodes share them


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

    @property
    def name(self) -> str:
        return f"{self.setting}-seed{self.cma_seed}"


def generation_tracks(run_seed: int, generation: int, count: int) -> list[int]:
    """Generation `generation`'s tracks, the same for every setting."""
    if count > TRACK_STRIDE:
        raise ValueError(f"{count} episodes per candidate: the laboratory shares at most "
                         f"{TRACK_STRIDE} tracks a generation")
    return seeds.seeds(run_seed, "search", generation * TRACK_STRIDE, count)


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
        os.makedirs(state_dir, exist_ok=True)

    def next_run(self) -> LabRun | None:
        """The unfinished run with the fewest steps (the first listed of equals)."""
        open_runs = [r for r in self.runs if r.steps < self.budget]
        return min(open_runs, key=lambda r: r.steps) if open_runs else None

    def generation(self, run: LabRun) -> None:
        """One generation of `run`, its mean watched at each `watch_every` mark it passes,
        then its state saved."""
        started = time.time()
        g, cc = run.search.generation, run.controller
        candidates = run.search.ask()
        tracks = generation_tracks(self.run_seed, g, cc.episodes_at(g))
        jobs = episodes.population_jobs(len(candidates), tracks, cc.stuck_steps)
        before = self.scorer.steps
        returns = self.scorer.score(candidates, jobs)
        stats = run.search.tell(candidates, episodes.mean_returns(returns, len(candidates)),
                                time.time() - started)
        marks_before = run.steps // self.watch_every
        run.steps += self.scorer.steps - before
        stats.env_steps, stats.episodes = run.steps, cc.episodes_at(g)
        if run.steps // self.watch_every > marks_before or run.steps >= self.budget:
            self.watch(run)
        run.seconds += time.time() - started
        self.save(run)

    def watch(self, run: LabRun) -> None:
        mean = run.search.mean_params()
        before = self.scorer.steps
        returns = self.scorer.score(mean[None], self.watch_jobs)
        run.watch_steps += self.scorer.steps - before
        run.watches.append(Watch(run.steps, run.search.generation, float(returns.mean()),
                                 float(returns.std()), mean))
        stats = run.search.history[-1]
        stats.eval_mean, stats.eval_std = run.watches[-1].mean, run.watches[-1].std
        run.search.evaluated_means[stats.generation] = mean

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


def load_or_start(state_dir: str, setting: str, cma_seed: int, cc: ControllerConfig,
                  dim: int) -> LabRun:
    """A run's saved state, or a fresh run. A saved run under other settings is refused: its
    curve would be mislabelled."""
    path = run_path(state_dir, f"{setting}-seed{cma_seed}")
    if not os.path.exists(path):
        return LabRun(setting, cma_seed, cc, cmaes.for_controller(dim, cc, cma_seed))
    try:
        with open(path, "rb") as f:
            run = pickle.load(f)
    except Exception as err:
        raise ValueError(f"{path}: unreadable laboratory run ({type(err).__name__}: {err}); "
                         "delete it to start the run again") from None
    if run.controller != cc:
        raise ValueError(f"{path}: saved under other settings than setting {setting!r} has now; "
                         "delete it or give the setting another name")
    return run


def watched_at(run: LabRun, steps: int) -> Watch | None:
    """The run's first watch at or past `steps` search steps, or None if it has not got there."""
    return next((w for w in run.watches if w.steps >= steps), None)


def best_watch(run: LabRun) -> Watch | None:
    """The mean ControllerSearch would hand on: the best watched (the latest of equals)."""
    return max(reversed(run.watches), key=lambda w: w.mean) if run.watches else None

"""One generation of a controller search, played: the CMA-ES candidates asked for, their
episodes (real tracks or dreams) scored, the strategy told; and the evaluation of the
distribution mean that the hand-on rule (training.cmaes.handed_on) chooses from.

ControllerSearch and the search laboratory both play their generations here, so a setting
measured in the laboratory is the search the pipeline runs.
"""
from __future__ import annotations

import time

import numpy as np

from worldmodels import seeds
from worldmodels.config import ControllerConfig
from worldmodels.engine import episodes
from worldmodels.training.cmaes import CMASearch, GenerationStats


def track_seeds(run_seed: int, cc: ControllerConfig, generation: int,
                stride: int | None = None) -> list[int]:
    """The real tracks of `generation`, each track group's in turn: the first
    `cc.tracks_at(generation)` of the generation's block of `stride` search seeds. The search's
    stride is its own widest generation; settings sharing one stride play generation g on the
    same tracks."""
    stride = stride or cc.max_tracks()
    count = cc.tracks_at(generation)
    if count > stride:
        raise ValueError(f"{count} tracks a generation: at most {stride} are shared")
    return seeds.seeds(run_seed, "search", generation * stride, count)


def play(search: CMASearch, scorer, episode_seeds: list[int], patience: int = 0,
         groups: int = 1) -> tuple[GenerationStats, list[episodes.Job]]:
    """Asks for the candidates, plays each on its group's share of `episode_seeds` (ended
    after `patience` steps without a new tile, 0: never), ranks them by their return less
    their group's mean, and tells the strategy. Returns the generation's stats and its jobs."""
    started = time.time()
    candidates = search.ask()
    jobs = episodes.population_jobs(len(candidates), episode_seeds, patience, groups)
    returns = episodes.mean_returns(scorer.score(candidates, jobs), len(candidates))
    stats = search.tell(candidates, returns, time.time() - started,
                        episodes.track_fitness(returns, groups))
    return stats, jobs


def evaluate_mean(search: CMASearch, scorer, jobs: list[episodes.Job]) -> np.ndarray:
    """The distribution mean's returns on `jobs`, recorded on the last generation (its
    eval_mean and eval_std) and kept among the means a search may hand on."""
    mean = search.mean_params()
    returns = scorer.score(mean[None], jobs)
    stats = search.history[-1]
    stats.eval_mean, stats.eval_std = float(returns.mean()), float(returns.std())
    search.evaluated_means[stats.generation] = mean
    return returns

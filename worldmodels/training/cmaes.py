"""CMA-ES over the controller's flat parameters, with the `cma` package.

Fitness is pluggable: `fitness(solutions [N, P], generation) -> mean returns [N]`. The whole
search state (the strategy, numpy's global RNG that `cma` samples from, and the history) is
saved after every generation, so a resumed search continues exactly as an uninterrupted one.
"""
from __future__ import annotations

import os
import pickle
import time
from dataclasses import asdict, dataclass
from typing import Callable

import cma
import numpy as np

from worldmodels.progress import Progress

Fitness = Callable[[np.ndarray, int], np.ndarray]


@dataclass
class GenerationStats:
    generation: int
    best: float  # best mean return among the candidates (real or dreamt, see environment)
    mean: float
    std: float
    worst: float
    sigma: float
    wall_time_s: float
    eval_mean: float | None = None  # the distribution mean re-evaluated on fixed seeds
    eval_std: float | None = None
    episodes: int = 0  # episodes each candidate played
    env_steps: int = 0  # environment steps of the whole search so far, evaluations included
    elapsed_s: float = 0.0  # wall time of the whole search so far, evaluations included
    environment: str = "real"  # where the candidates were scored: real | dream
    dream_steps: int = 0  # M steps of the whole search's dreams so far
    workers: tuple = ()  # the worker(s) that played each candidate's episodes or dreams


class CMASearch:
    def __init__(self, dim: int, sigma0: float, population: int, seed: int,
                 weight_decay: float = 0.0):
        self.es = cma.CMAEvolutionStrategy(np.zeros(dim), sigma0, {
            "popsize": population, "seed": seed + 1, "verbose": -9})  # cma: seed 0 = random
        self.weight_decay = weight_decay
        self.history: list[GenerationStats] = []
        self.best_params = np.zeros(dim)
        self.best_return = -np.inf

    @property
    def generation(self) -> int:
        return len(self.history)

    def mean_params(self) -> np.ndarray:
        return np.asarray(self.es.mean, np.float64)

    def step(self, fitness: Fitness) -> GenerationStats:
        """Asks for a population, scores it, tells the strategy; one generation."""
        start = time.time()
        solutions = np.asarray(self.es.ask())
        returns = np.asarray(fitness(solutions, self.generation), np.float64)
        penalty = self.weight_decay * np.mean(solutions**2, axis=1)
        self.es.tell(list(solutions), list(-(returns - penalty)))  # cma minimises
        best = int(np.argmax(returns))
        if returns[best] > self.best_return:
            self.best_return, self.best_params = float(returns[best]), solutions[best].copy()
        stats = GenerationStats(self.generation, float(returns.max()), float(returns.mean()),
                                float(returns.std()), float(returns.min()), float(self.es.sigma),
                                time.time() - start)
        self.history.append(stats)
        return stats

    def save(self, path: str) -> None:
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            pickle.dump({"search": self, "numpy_rng": np.random.get_state()}, f)
        os.replace(tmp, path)  # a kill mid-write leaves the previous state intact

    @staticmethod
    def load(path: str) -> "CMASearch":
        try:
            with open(path, "rb") as f:
                state = pickle.load(f)
        except (pickle.UnpicklingError, EOFError, AttributeError) as err:
            raise ValueError(f"{path}: unreadable CMA-ES state ({err})") from None
        np.random.set_state(state["numpy_rng"])
        return state["search"]


def run_search(search: CMASearch, fitness: Fitness, generations: int, state_path: str | None = None,
               on_generation: Callable[[CMASearch, GenerationStats], None] | None = None) -> CMASearch:
    """Runs generations until `generations` are done, saving after each one."""
    with Progress("CMA-ES", generations, "gen") as bar:
        bar.update(search.generation)
        while search.generation < generations:
            stats = search.step(fitness)
            if on_generation:
                on_generation(search, stats)
            if state_path:
                search.save(state_path)
            bar.update(1, best=stats.best, mean=stats.mean)
    return search


def history_rows(search: CMASearch) -> list[dict]:
    return [asdict(s) for s in search.history]

"""CMA-ES over the controller's flat parameters, with the `cma` package: ask, tell, and the
rule for which distribution mean a search hands on.

`cma` samples from its own RandomState (its `randn` option), not numpy's global RNG, which
anything else in the process may draw from (a library building an environment on first use,
which a resumed process does at another generation than an uninterrupted one). The whole state
(the strategy with its RandomState, the history, the evaluated means) is saved after every
generation, so a resumed search continues exactly as an uninterrupted one.
"""
from __future__ import annotations

import pickle
import warnings
from dataclasses import asdict, dataclass

import cma
import numpy as np

from worldmodels import atomic
from worldmodels.config import ControllerConfig


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
    """The strategy, the history of its generations and the distribution means the search
    evaluated: the whole state of a search, saved after every generation."""

    def __init__(self, dim: int, sigma0: float, population: int, seed: int,
                 weight_decay: float = 0.0, diagonal: bool = False, mirrored: bool = False,
                 start: np.ndarray | None = None):
        """`diagonal`: separable CMA-ES (pycma's CMA_diagonal), whose covariance learns about
        `dim` times faster; with hundreds of parameters and a small population the full
        matrix barely moves in a short search. `mirrored`: candidates come in pairs m +- sigma y
        (an even population), which cancels the noise of y's direction in each pair. `start`:
        the first mean (a later round's search starts at the previous round's C), else 0."""
        random = np.random.RandomState(seed + 1)
        options = {"popsize": population, "seed": seed + 1, "verbose": -9,  # cma: seed 0 = random
                   "randn": random.randn, "CMA_diagonal": diagonal}
        if mirrored:
            if population % 2:
                raise ValueError(f"mirrored sampling needs an even population, got {population}")
            options.update(CMA_mirrors=population // 2, CMA_mirrormethod=0)  # 0: every pair
        x0 = np.zeros(dim) if start is None else np.asarray(start, np.float64)
        if x0.shape != (dim,):
            raise ValueError(f"the search's start has {x0.size} parameters, C has {dim}")
        self.es = cma.CMAEvolutionStrategy(x0, sigma0, options)
        self.weight_decay = weight_decay
        self.history: list[GenerationStats] = []
        self.evaluated_means: dict[int, np.ndarray] = {}  # generation -> the mean evaluated

    @property
    def generation(self) -> int:
        return len(self.history)

    def mean_params(self) -> np.ndarray:
        return np.asarray(self.es.mean, np.float64)

    def ask(self) -> np.ndarray:
        """This generation's candidates [population, dim], mirrored ones in adjacent pairs."""
        with warnings.catch_warnings():
            # From 300 dimensions cma adapts sigma by two-point adaptation, whose two samples
            # along the mean's last shift are themselves a mirrored pair; cma counts them apart
            # from the pairs it mirrors and warns of one pair short, though none is
            warnings.filterwarnings("ignore", message="fewer mirrors generated")
            return np.asarray(self.es.ask())

    def tell(self, candidates: np.ndarray, returns: np.ndarray, seconds: float,
             fitness: np.ndarray | None = None) -> GenerationStats:
        """Updates the strategy with the candidates' mean returns, or the `fitness` given in
        their place (e.g. returns centred by track group), an L2 penalty of `weight_decay`
        subtracted, and appends the generation (its returns) to the history. A non-finite
        return stops the search before the update."""
        returns = np.asarray(returns, np.float64)
        if not np.all(np.isfinite(returns)):
            bad = int(np.flatnonzero(~np.isfinite(returns))[0])
            raise FloatingPointError(f"CMA-ES generation {self.generation}: candidate {bad}'s "
                                     f"return is {returns[bad]}; the state after generation "
                                     f"{self.generation - 1} is kept")
        penalty = self.weight_decay * np.mean(candidates**2, axis=1)
        ranked = returns if fitness is None else np.asarray(fitness, np.float64)
        self.es.tell(list(candidates), list(-(ranked - penalty)))  # cma minimises
        stats = GenerationStats(self.generation, float(returns.max()), float(returns.mean()),
                                float(returns.std()), float(returns.min()), float(self.es.sigma),
                                seconds)
        self.history.append(stats)
        return stats

    def save(self, path: str) -> None:
        atomic.write_pickle(self, path)

    @staticmethod
    def load(path: str) -> "CMASearch":
        try:
            with open(path, "rb") as f:
                search = pickle.load(f)
        except Exception as err:  # truncated, overwritten, or written by other code
            raise ValueError(f"{path}: unreadable CMA-ES state ({type(err).__name__}: {err}); "
                             "delete it to restart the search at generation 0") from None
        if not isinstance(search, CMASearch):
            raise ValueError(f"{path}: unreadable CMA-ES state (holds a {type(search).__name__}); "
                             "delete it to restart the search at generation 0")
        return search


def for_controller(dim: int, cc: ControllerConfig, seed: int,
                   start: np.ndarray | None = None) -> CMASearch:
    """A fresh search with a ControllerConfig's settings (`seed`: the CMA-ES seed), its mean
    at `start` (else 0)."""
    return CMASearch(dim, cc.sigma0, cc.population, seed, cc.weight_decay,
                     diagonal=cc.cma_diagonal, mirrored=cc.mirrored, start=start)


def history_rows(search: CMASearch) -> list[dict]:
    return [asdict(s) for s in search.history]


def handed_on(history: list[dict]) -> dict:
    """The generation whose distribution mean a search hands on: for a search wholly in the
    dream its last (real scores are watched, never used), else the best real evaluation of
    the mean (the latest of equals)."""
    if all(h.get("environment") == "dream" for h in history):
        return history[-1]
    evaluated = [h for h in history if h["eval_mean"] is not None]
    return max(reversed(evaluated), key=lambda h: h["eval_mean"])

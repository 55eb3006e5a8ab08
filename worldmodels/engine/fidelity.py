"""Dream fidelity: can a score in M's dream be trusted? K controllers (the search's evaluated
means from several generations, and random ones as the search's first generation draws them)
each play the same real tracks, and dreams that start where those tracks start (V's mu of each
track's first frame, M's state zero), with the dream's temperature and end rule. The rank
correlation of their dream and real mean returns says whether the dream orders controllers
as the game does; the mean dream-minus-real gap says how much the dream flatters them.
"""
from __future__ import annotations

import math

import numpy as np

from worldmodels import scores
from worldmodels.engine import episodes
from worldmodels.engine.dream import DreamPolicy, Starts
from worldmodels.games import Game
from worldmodels.models import world_model


def can_dream_scores(rnn, game: Game) -> str | None:
    """None where M's dream scores a controller in `game`, else why not: a game that pays
    for surviving needs M's done head, one that pays rewards M's reward head."""
    outputs = rnn.step.concrete_functions[0].structured_outputs
    if game.survival_reward:
        return None if "done_logit" in outputs else "M has no done head: a dream never ends"
    return None if "reward" in outputs else "M has no reward head: every dream returns 0"


def controllers_to_compare(means: np.ndarray, count: int, sigma0: float,
                           seed: int) -> tuple[np.ndarray, list[str]]:
    """`count` controllers: half (rounded up) of the search's evaluated means, evenly spread
    over its generations and ending with its last, then random ones N(0, sigma0^2), seeded;
    with their kinds ('search' or 'random')."""
    taken = min(math.ceil(count / 2), len(means))
    picks = np.unique(np.round(np.linspace(len(means) - 1, 0, taken)).astype(int))[::-1]
    chosen = np.asarray(means, np.float32)[np.sort(picks)]
    random = np.random.default_rng([seed, 21]).normal(
        0.0, sigma0, (count - len(chosen), means.shape[1])).astype(np.float32)
    return (np.concatenate([chosen, random]),
            ["search"] * len(chosen) + ["random"] * len(random))


def first_latents(env, vae, game: Game, seeds: list[int]) -> np.ndarray:
    """V's mu of the first frame of each seed's episode [S, z]."""
    frames = np.stack([env.reset(seed=s)[0] for s in seeds])
    return vae.encode(world_model.preprocess(frames, game.frames))["mu"].numpy()


def measure(real, dream: DreamPolicy, controllers: np.ndarray, seeds: list[int],
            first_z: np.ndarray, steps: int, temperature: float) -> dict:
    """Each controller on every seed, real (`real`: a Scorer) and dreamt: per controller the
    mean real and dream return, the Spearman rank correlation of the two and the mean gap."""
    k = len(controllers)
    jobs = episodes.population_jobs(k, seeds)
    real_means = episodes.mean_returns(real.score(controllers, jobs), k)
    zeros = np.zeros((len(seeds), dream.hidden_units), np.float32)
    starts = Starts(first_z.astype(np.float32), zeros, zeros.copy())
    dreamt, _ = dream.play(controllers[[j.params_index for j in jobs]], [j.seed for j in jobs],
                           starts, steps, temperature,
                           rows=np.array([seeds.index(j.seed) for j in jobs]))
    dream_means = episodes.mean_returns(dreamt, k)
    correlation = scores.spearman(dream_means, real_means)
    return {"dream_means": dream_means.tolist(), "real_means": real_means.tolist(),
            # None where one side scores every controller alike (e.g. no dream ever ends)
            "rank_correlation": None if math.isnan(correlation) else correlation,
            "gap": float(np.mean(dream_means - real_means))}

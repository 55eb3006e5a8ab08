"""ControllerSearch's work: CMA-ES over C with V and M in the loop, candidates scored in the
real environment or in M's dream."""
from __future__ import annotations

import contextlib
import json
import os
import time

import numpy as np
import tensorflow as tf

from worldmodels import layout, seeds
from worldmodels.config import Config, ControllerConfig
from worldmodels.data import checks
from worldmodels.engine import episodes, generation
from worldmodels.engine.dream import dream_scorer
from worldmodels.engine.scorers import Scorer, real_scorer
from worldmodels.games import game
from worldmodels.export import serving
from worldmodels.models import controller
from worldmodels.progress import Progress
from worldmodels.training import cmaes


def run(cfg: Config, vae_dir: str, rnn_dir: str, model_dir: str, run_dir: str, state_dir: str,
        beam_args: list[str] | None = None, latents_dir: str | None = None,
        start_dir: str | None = None) -> dict:
    """The search, one generation per turn of its loop: ask CMA-ES for candidates, score
    them (each on the same tracks, or dreams, in a generation), tell CMA-ES, and every
    `eval_every` generations (and at the last) evaluate the distribution mean on fixed real
    tracks. The state is saved in `state_dir` after every generation; a rerun resumes there.
    The output, params.npy, is the evaluated mean cmaes.handed_on picks; history.json has
    every generation; evaluated_means.npz every evaluated mean (generations, params).

    Candidates are scored in the real environment or, per `controller.environment`, in M's
    dream, starting from the latents of `latents_dir`. A later round's search starts at the
    previous round's C (`start_dir`, a Model artifact with params.npy)."""
    checks.check_saved_model(vae_dir)
    checks.check_saved_model(rnn_dir)
    if latents_dir:
        checks.check_dataset(latents_dir)
    cc = cfg.controller
    vae = serving.load(os.path.join(vae_dir, layout.SERVING_DIR))
    rnn = serving.load(os.path.join(rnn_dir, layout.SERVING_DIR))
    dim = controller.parameter_count(int(vae.z_size), int(rnn.hidden_units),
                                     game(cfg.env.env_id).action_size)
    state_path = os.path.join(state_dir, "cmaes_state.pkl")
    os.makedirs(state_dir, exist_ok=True)
    start = start_params(start_dir, dim) if start_dir else None
    search = (cmaes.CMASearch.load(state_path) if os.path.exists(state_path) else
              cmaes.for_controller(dim, cc, cfg.seed, start))
    resumed_from = search.generation
    remaining = range(search.generation, cc.generations)
    dreamt = [g for g in remaining if cc.dreams_at(g)]
    if dreamt and not latents_dir:
        raise ValueError(f"controller.environment={cc.environment}: the search needs the "
                         "LatentSeries for the dream's initial latents")
    eval_jobs = [episodes.Job(0, s) for s in seeds.seeds(cfg.seed, "search_eval", 0,
                                                         cc.eval_episodes)]
    env_steps_before = search.history[-1].env_steps if search.history else 0
    dream_steps_before = search.history[-1].dream_steps if search.history else 0
    writer = tf.summary.create_file_writer(run_dir)

    with contextlib.ExitStack() as stack:
        real = stack.enter_context(real_scorer(cfg, vae_dir, rnn_dir,
                                               _real_episodes(cc, remaining, dreamt), beam_args))
        dream = (stack.enter_context(dream_scorer(
            cfg, rnn_dir, latents_dir, len(dreamt) * cc.population * cc.dream_episodes,
            beam_args)) if dreamt else None)
        bar = stack.enter_context(Progress("CMA-ES", cc.generations, "gen"))
        bar.update(search.generation)
        while search.generation < cc.generations:
            g = search.generation
            started = time.time()
            if cc.dreams_at(g):
                scorer, episode_seeds, patience, groups = dream, _dream_seeds(cfg, g), 0, 1
            else:
                scorer, episode_seeds = real, generation.track_seeds(cfg.seed, cc, g)
                patience, groups = cc.stuck_steps, cc.track_groups
            stats, jobs = generation.play(search, scorer, episode_seeds, patience, groups)
            stats.workers = _candidate_workers(jobs, scorer, cc.population)
            if (g + 1) % cc.eval_every == 0 or g + 1 == cc.generations:
                generation.evaluate_mean(search, real, eval_jobs)
            stats.environment = "dream" if cc.dreams_at(g) else "real"
            stats.episodes = cc.dream_episodes if cc.dreams_at(g) else cc.episodes_at(g)
            stats.env_steps = env_steps_before + real.steps
            stats.dream_steps = dream_steps_before + (dream.steps if dream else 0)
            stats.elapsed_s = ((search.history[-2].elapsed_s if g else 0.0)
                               + time.time() - started)
            search.save(state_path)
            _log(writer, stats)
            bar.update(1, best=stats.best, mean=stats.mean)
    writer.flush()

    history = cmaes.history_rows(search)
    chosen = cmaes.handed_on(history)
    os.makedirs(model_dir, exist_ok=True)
    np.save(os.path.join(model_dir, "params.npy"), search.evaluated_means[chosen["generation"]])
    evaluated = sorted(search.evaluated_means)  # the Evaluator's dream fidelity compares them
    np.savez(os.path.join(model_dir, "evaluated_means.npz"), generations=np.array(evaluated),
             params=np.stack([search.evaluated_means[g] for g in evaluated]))
    with open(os.path.join(model_dir, "history.json"), "w") as f:
        json.dump(history, f, indent=1)
    return {"generations": len(history), "best_eval_mean": chosen["eval_mean"],
            "best_eval_generation": chosen["generation"],
            "resumed_from_generation": resumed_from}


def start_params(controller_dir: str, dim: int) -> np.ndarray:
    """The previous round's C, refused in one line unless it has this round's C's size (V's
    z, M's hidden units and the game's actions decide it)."""
    path = os.path.join(controller_dir, "params.npy")
    try:
        params = np.load(path)
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: unreadable controller parameters ({err})") from None
    if params.shape != (dim,):
        raise ValueError(f"{path}: a controller of {params.size} parameters; this round's V, M "
                         f"and game need {dim}")
    return params


def _dream_seeds(cfg: Config, g: int) -> list[int]:
    """The generation's dream seeds (each picks a dream's start and its noise)."""
    cc = cfg.controller
    return seeds.seeds(cfg.seed, "dreams", g * cc.dream_episodes, cc.dream_episodes)


def _real_episodes(cc: ControllerConfig, remaining: range, dreamt: list[int]) -> int:
    """Real episodes the remaining generations play (candidates and evaluations), to size
    the pool."""
    return int(sum(cc.population * cc.episodes_at(g) for g in remaining if g not in dreamt)
               + len(remaining) * cc.eval_episodes / cc.eval_every)


def _candidate_workers(jobs: list[episodes.Job], scorer: Scorer, population: int) -> tuple:
    """The worker(s) that played each candidate's episodes, '+'-joined."""
    return tuple("+".join(sorted({w for j, w in zip(jobs, scorer.job_workers)
                                  if j.params_index == p})) for p in range(population))


def _log(writer, stats: cmaes.GenerationStats) -> None:
    """The generation in TensorBoard."""
    with writer.as_default(step=stats.generation):
        prefix = f"cmaes/{stats.environment}_"
        for name in ("best", "mean", "worst", "std"):
            tf.summary.scalar(prefix + name, getattr(stats, name))
        if stats.eval_mean is not None:
            tf.summary.scalar("cmaes/eval_mean", stats.eval_mean)
        tf.summary.scalar("cmaes/sigma", stats.sigma)
        tf.summary.scalar("cmaes/generation_seconds", stats.wall_time_s)
        tf.summary.scalar("cmaes/env_steps", stats.env_steps)

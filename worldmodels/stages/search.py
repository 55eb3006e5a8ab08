"""ControllerSearch's work: CMA-ES over C, scored in the real environment or M's dream."""
from __future__ import annotations

import contextlib
import json
import os
import time

import numpy as np
import tensorflow as tf

from worldmodels import artifact_checks, layout, rollout_engine, serving
from worldmodels import seeds as seedlib
from worldmodels.config import Config
from worldmodels.models import controller
from worldmodels.stages.runners import dream_runner, policy_runner
from worldmodels.training import cmaes


def search_controller(cfg: Config, vision_dir: str, memory_dir: str, model_dir: str,
                      run_dir: str, state_dir: str, beam_args: list[str] | None = None,
                      latents_dir: str | None = None) -> dict:
    """ControllerSearch: CMA-ES with V and M in the loop, candidates scored in the real
    environment or, per `controller.environment`, in M's dream (starting from the initial
    latents of `latents_dir`). Every `eval_every` generations the distribution mean plays the
    real environment on fixed seeds, whatever the candidates were scored in.

    The state is saved in `state_dir` after every generation; a rerun resumes there. The
    output is the distribution mean that scored best on the real evaluation seeds, or, for a
    search wholly in the dream, its final mean (real scores are watched, never used)."""
    artifact_checks.check_saved_model(vision_dir)
    artifact_checks.check_saved_model(memory_dir)
    if latents_dir:
        artifact_checks.check_dataset(latents_dir)
    cc = cfg.controller
    vision = serving.load(os.path.join(vision_dir, layout.SERVING_DIR))
    memory = serving.load(os.path.join(memory_dir, layout.SERVING_DIR))
    dim = controller.parameter_count(int(vision.z_size), int(memory.hidden_units))
    state_path = os.path.join(state_dir, "cmaes_state.pkl")
    best_path = os.path.join(state_dir, "best_mean_params.npy")
    os.makedirs(state_dir, exist_ok=True)
    search = (cmaes.CMASearch.load(state_path) if os.path.exists(state_path) else
              cmaes.CMASearch(dim, cc.sigma0, cc.population, cfg.seed, cc.weight_decay))
    resumed_from = search.generation
    eval_seeds = seedlib.seeds(cfg.seed, "search_eval", 0, cc.eval_episodes)
    writer = tf.summary.create_file_writer(run_dir)
    last = search.history[-1] if search.history else None
    steps_before = last.env_steps if last else 0
    dream_steps_before = last.dream_steps if last else 0
    remaining = range(search.generation, cc.generations)
    dreamt = [g for g in remaining if cc.dreams_at(g)]
    if dreamt and not latents_dir:
        raise ValueError(f"controller.environment={cc.environment}: the search needs the "
                         "LatentSeries for the dream's initial latents")

    def fitness(solutions: np.ndarray, generation: int) -> np.ndarray:
        if cc.dreams_at(generation):
            seeds = seedlib.seeds(cfg.seed, "dreams", generation * cc.dream_episodes,
                                  cc.dream_episodes)
            runner, patience = dreams, 0
        else:
            seeds = seedlib.seeds(cfg.seed, "search", generation * cc.max_episodes(),
                                  cc.episodes_at(generation))
            runner, patience = pool, cc.stuck_steps
        jobs = rollout_engine.population_jobs(len(solutions), seeds, patience)
        returns = runner.run(solutions, jobs)
        candidate_workers[:] = ["+".join(sorted({w for j, w in zip(jobs, runner.job_workers)
                                                 if j.params_index == p}))
                                for p in range(len(solutions))]
        return rollout_engine.mean_returns(returns, len(solutions))

    candidate_workers: list[str] = []  # fitness's, for on_generation

    def on_generation(s: cmaes.CMASearch, stats: cmaes.GenerationStats) -> None:
        started = time.time()
        stats.workers = tuple(candidate_workers)
        if (stats.generation + 1) % cc.eval_every == 0 or stats.generation + 1 == cc.generations:
            returns = pool.run(s.mean_params()[None], [rollout_engine.Job(0, x) for x in eval_seeds])
            stats.eval_mean, stats.eval_std = float(returns.mean()), float(returns.std())
            if stats.eval_mean >= max(h.eval_mean for h in s.history if h.eval_mean is not None):
                np.save(best_path, s.mean_params())
        previous = s.history[-2] if len(s.history) > 1 else None
        dreaming = cc.dreams_at(stats.generation)
        stats.environment = "dream" if dreaming else "real"
        stats.episodes = cc.dream_episodes if dreaming else cc.episodes_at(stats.generation)
        stats.env_steps = steps_before + pool.steps
        stats.dream_steps = dream_steps_before + (dreams.steps if dreams else 0)
        stats.elapsed_s = ((previous.elapsed_s if previous else 0.0) + stats.wall_time_s
                           + time.time() - started)
        with writer.as_default(step=stats.generation):
            prefix = f"cmaes/{stats.environment}_"
            for name in ("best", "mean", "worst", "std"):
                tf.summary.scalar(prefix + name, getattr(stats, name))
            if stats.eval_mean is not None:
                tf.summary.scalar("cmaes/eval_mean", stats.eval_mean)
            tf.summary.scalar("cmaes/sigma", stats.sigma)
            tf.summary.scalar("cmaes/generation_seconds", stats.wall_time_s)
            tf.summary.scalar("cmaes/env_steps", stats.env_steps)

    real_episodes = (sum(cc.population * cc.episodes_at(g) for g in remaining if g not in dreamt)
                     + len(remaining) * cc.eval_episodes / cc.eval_every)
    with contextlib.ExitStack() as stack:
        pool = stack.enter_context(policy_runner(cfg, vision_dir, memory_dir, int(real_episodes),
                                                  beam_args))
        dreams = (stack.enter_context(dream_runner(
            cfg, memory_dir, latents_dir, len(dreamt) * cc.population * cc.dream_episodes,
            beam_args)) if dreamt else None)
        cmaes.run_search(search, fitness, cc.generations, state_path, on_generation)
    writer.flush()
    history = cmaes.history_rows(search)
    if cc.environment == "dream":
        params, chosen = search.mean_params(), history[-1]
    else:
        params = np.load(best_path)
        chosen = max((h for h in history if h["eval_mean"] is not None),
                     key=lambda h: h["eval_mean"])
    os.makedirs(model_dir, exist_ok=True)
    np.save(os.path.join(model_dir, "params.npy"), params)
    with open(os.path.join(model_dir, "history.json"), "w") as f:
        json.dump(history, f, indent=1)
    return {"generations": len(history), "best_eval_mean": chosen["eval_mean"],
            "best_eval_generation": chosen["generation"], "parameters": int(params.size),
            "resumed_from_generation": resumed_from}

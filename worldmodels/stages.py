"""The six stages as plain functions over directories: what each TFX executor calls.

Usable without TFX (tests and notebooks call them directly). Every random source is
seeded from the Config, so the same config gives the same artifacts.
"""
from __future__ import annotations

import contextlib
import functools
import json
import os
import time

import numpy as np
import tensorflow as tf

from worldmodels import agent as agentlib
from worldmodels import env as envlib
from worldmodels import rollout, rollout_engine, scores, serving, workers
from worldmodels import seeds as seedlib
from worldmodels.config import Config
from worldmodels.data import rlds
from worldmodels.models import controller
from worldmodels.progress import Progress
from worldmodels.training import cmaes, rnn_train, vae_train

SERVING_DIR = "Format-Serving"
SPLITS = ("train", "eval")


def _write_rollout_part(cfg_json: str, parts_dir: str, part: tuple) -> tuple[str, int]:
    """One shard's worth of episodes (a worker's task): collected and written as a dataset."""
    split, first_id, seeds = part
    cfg = Config.from_json(cfg_json)
    env = workers.cached(("env", cfg.env.env_id, cfg.env.max_steps),
                         lambda: envlib.make_env(cfg.env.env_id, cfg.env.max_steps))
    part_dir = os.path.join(parts_dir, f"{split}-{first_id:09d}")
    with rlds.DatasetWriter(part_dir, rlds.rollouts_config(), [split],
                            cfg.rollouts.episodes_per_shard) as writer:
        for i, seed in enumerate(seeds):
            episode = rollout.collect_episode(env, seed)
            if episode.length >= cfg.rollouts.min_steps:
                writer.add(split, [rlds.episode_example(episode, first_id + i, cfg.env.env_id)])
    return part_dir, len(seeds)


def generate_rollouts(cfg: Config, out_dir: str, beam_args: list[str] | None = None) -> dict:
    """RolloutGen: Brownian-explorer episodes, train and eval splits, as an RLDS dataset.
    Each shard is collected and written by a worker (local process or Beam worker), then the
    shards are joined in seed order. Episode ids number the seeds: train first, then eval."""
    rc = cfg.rollouts
    parts, first_id = [], 0
    for split, n in (("train", rc.train_episodes), ("eval", rc.eval_episodes)):
        seeds = rollout.episode_seeds(cfg.seed, split, n)
        for start in range(0, n, rc.episodes_per_shard):
            parts.append((split, first_id + start, seeds[start:start + rc.episodes_per_shard]))
        first_id += n
    parts_dir = os.path.join(out_dir, "_parts")
    runner = workers.make_runner(rc.workers, cfg.env.max_steps * first_id, beam_args)
    with Progress("rollouts", first_id, "episode") as bar:
        results = runner.map(functools.partial(_write_rollout_part, cfg.to_json(), parts_dir),
                             parts, on_result=lambda r: bar.update(r[1]))
    runner.close()
    rlds.merge_parts(out_dir, rlds.rollouts_config(), [d for d, _ in results], SPLITS)
    tf.io.gfile.rmtree(parts_dir)
    return {"episodes": sum(rlds.split_counts(out_dir, s)[0] for s in SPLITS),
            "steps": sum(rlds.split_counts(out_dir, s)[1] for s in SPLITS)}


def train_vision(cfg: Config, rollouts_dir: str, model_dir: str, run_dir: str,
                 checkpoint_dir: str) -> dict:
    """VAETrainer: trains V, exports it as a SavedModel with encode and decode signatures."""
    result = vae_train.train_vae(rollouts_dir, cfg.vae, cfg.seed, checkpoint_dir, run_dir)
    serving.save_vision(result.model, os.path.join(model_dir, SERVING_DIR))
    return {"steps": result.steps, "train_loss": result.train_loss,
            "eval_reconstruction_loss": result.eval_reconstruction_loss,
            "eval_kl_loss": result.eval_kl_loss}


def _encode_part(cfg_json: str, rollouts_dir: str, vision_dir: str, parts_dir: str,
                 part: tuple, batch_size: int = 256) -> str:
    """One rollouts shard encoded by V (a worker's task), written as a dataset."""
    split, start, end = part
    cfg = Config.from_json(cfg_json)
    vision = workers.cached(("vision", vision_dir), lambda: serving.load(vision_dir))
    builder = rlds.open_dataset(rollouts_dir)
    episodes = builder.as_dataset(split=f"{split}[{start}:{end}]").map(
        lambda ep: {**{k: v for k, v in ep.items() if k != "steps"},
                    "steps": ep["steps"].batch(1 << 30).get_single_element()})
    part_dir = os.path.join(parts_dir, f"{split}-{start:09d}")
    with rlds.DatasetWriter(part_dir, rlds.latents_config(cfg.vae.z_size), [split],
                            cfg.rollouts.episodes_per_shard) as writer:
        for ep in rlds.checked(episodes, rlds.split_files(builder, split)):
            writer.add(split, [_encoded_example(vision, ep, batch_size)])
    return part_dir


def encode_latents(cfg: Config, rollouts_dir: str, vision_dir: str, out_dir: str,
                   beam_args: list[str] | None = None) -> dict:
    """LatentTransform: every episode of every split encoded to (mu, logvar) per step, one
    rollouts shard per task: here (TensorFlow uses every core) or on Beam workers."""
    builder = rlds.open_dataset(rollouts_dir)
    parts = []
    for split in SPLITS:
        rlds.split_files(builder, split)
        bounds = np.cumsum([0] + list(builder.info.splits[split].shard_lengths))
        parts += [(split, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
    parts_dir = os.path.join(out_dir, "_parts")
    runner = workers.make_runner(1, 0, beam_args)
    fn = functools.partial(_encode_part, cfg.to_json(), rollouts_dir,
                           os.path.join(vision_dir, SERVING_DIR), parts_dir)
    with Progress("encode", len(parts), "shard") as bar:
        part_dirs = runner.map(fn, parts, on_result=lambda _: bar.update(1))
    runner.close()
    rlds.merge_parts(out_dir, rlds.latents_config(cfg.vae.z_size), part_dirs, SPLITS)
    tf.io.gfile.rmtree(parts_dir)
    return {"episodes": sum(rlds.split_counts(out_dir, s)[0] for s in SPLITS),
            "steps": sum(rlds.split_counts(out_dir, s)[1] for s in SPLITS)}


def _encoded_example(vision, ep: dict, batch_size: int) -> dict:
    steps = ep["steps"]
    images = tf.cast(steps["observation"], tf.float32) / 255.0
    mus, logvars = [], []
    for start in range(0, int(images.shape[0]), batch_size):
        out = vision.encode(images[start:start + batch_size])
        mus.append(out["mu"].numpy())
        logvars.append(out["logvar"].numpy())
    new_steps = {k: v.numpy() for k, v in steps.items() if k != "observation"}
    new_steps["observation"] = {"mu": np.concatenate(mus), "logvar": np.concatenate(logvars)}
    meta = {k: (v.numpy().decode() if v.dtype == tf.string else v.numpy())
            for k, v in ep.items() if k != "steps"}
    return {**meta, "steps": new_steps}


def train_memory(cfg: Config, latents_dir: str, model_dir: str, run_dir: str,
                 checkpoint_dir: str) -> dict:
    """RNNTrainer: trains M, exports it with step and sequence signatures."""
    result = rnn_train.train_rnn(latents_dir, cfg.rnn, cfg.seed, checkpoint_dir, run_dir)
    serving.save_memory(result.model, os.path.join(model_dir, SERVING_DIR))
    metrics = {"steps": result.steps, "train_loss": result.train_loss, "eval_nll": result.eval_nll,
               **{f"eval_{k}": v for k, v in result.eval_heads.items()}}
    os.makedirs(run_dir, exist_ok=True)
    with open(os.path.join(run_dir, "evaluation.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    return metrics


def _policy_runner(cfg: Config, vision_dir: str, memory_dir: str, episodes: int,
                   beam_args: list[str] | None) -> workers.PolicyRunner:
    runner = workers.make_runner(cfg.controller.workers, episodes * cfg.env.max_steps, beam_args)
    return workers.PolicyRunner(runner, cfg.env.env_id, cfg.env.max_steps,
                                os.path.join(vision_dir, SERVING_DIR),
                                os.path.join(memory_dir, SERVING_DIR),
                                cfg.controller.envs_per_worker)


def _dream_runner(cfg: Config, memory_dir: str, latents_dir: str, dreams: int,
                  beam_args: list[str] | None) -> workers.DreamRunner:
    steps = cfg.controller.dream_steps or cfg.env.max_steps
    runner = workers.make_runner(cfg.controller.workers, dreams * steps, beam_args)
    return workers.DreamRunner(runner, os.path.join(memory_dir, SERVING_DIR), latents_dir,
                               steps, cfg.controller.dream_temperature,
                               cfg.controller.dream_starts_every)


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
    cc = cfg.controller
    vision = serving.load(os.path.join(vision_dir, SERVING_DIR))
    memory = serving.load(os.path.join(memory_dir, SERVING_DIR))
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
        return rollout_engine.mean_returns(runner.run(solutions, jobs), len(solutions))

    def on_generation(s: cmaes.CMASearch, stats: cmaes.GenerationStats) -> None:
        started = time.time()
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
        pool = stack.enter_context(_policy_runner(cfg, vision_dir, memory_dir, int(real_episodes),
                                                  beam_args))
        dreams = (stack.enter_context(_dream_runner(
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


EXPORT_ACTION_TOLERANCE = 1e-4  # float32 rounding across batch sizes, far below any effect
EXPORT_CHECK_STEPS = 200


def evaluate_agent(cfg: Config, vision_dir: str, memory_dir: str, controller_dir: str,
                   model_dir: str, evaluation_dir: str, beam_args: list[str] | None = None) -> dict:
    """Evaluator: exports V + M + C as one agent SavedModel and scores it on
    `evaluator.episodes` fixed seeds over the worker processes. The exported agent is then
    checked against the search's policy step by step on the first seed's frames."""
    vision = serving.load(os.path.join(vision_dir, SERVING_DIR))
    memory = serving.load(os.path.join(memory_dir, SERVING_DIR))
    params = np.load(os.path.join(controller_dir, "params.npy"))
    agent_dir = os.path.join(model_dir, SERVING_DIR)
    agentlib.export_agent(vision, memory, params, agent_dir)
    seeds = [cfg.evaluator.seed + i for i in range(cfg.evaluator.episodes)]
    with _policy_runner(cfg, vision_dir, memory_dir, len(seeds), beam_args) as pool:
        returns = pool.run(params[None], [rollout_engine.Job(0, s) for s in seeds])
    diff = export_action_difference(serving.load(agent_dir), agentlib.PopulationPolicy(vision, memory),
                                    params, seeds[0], cfg)
    if not diff <= EXPORT_ACTION_TOLERANCE:
        raise RuntimeError(f"{agent_dir}: the exported agent's actions differ from the search's "
                           f"policy by up to {diff:.3g} on seed {seeds[0]}")
    result = {"seeds": seeds, "returns": returns.tolist(), **scores.summarize(returns),
              "threshold": cfg.evaluator.threshold,
              "blessed": bool(returns.mean() >= cfg.evaluator.threshold),
              "export_max_action_difference": diff}
    os.makedirs(evaluation_dir, exist_ok=True)
    with open(os.path.join(evaluation_dir, "evaluation.json"), "w") as f:
        json.dump(result, f, indent=1)
    return result


def export_action_difference(agent, policy, params: np.ndarray, seed: int, cfg: Config) -> float:
    """Largest |action difference| between the exported agent and the search's policy, both
    fed the same frames and each its own recurrent state, along the agent's episode on `seed`
    (first EXPORT_CHECK_STEPS steps). Returns are not compared: over 1,000 chaotic steps a
    last-bit difference between batch sizes or CPUs can change a trajectory, not the policy."""
    env = envlib.make_env(cfg.env.env_id, min(cfg.env.max_steps, EXPORT_CHECK_STEPS))
    exported = SavedAgentPolicy(agent)
    frame, _ = env.reset(seed=seed)
    state_a, state_p = exported.initial_state(1), policy.initial_state(1)
    params = np.asarray(params, np.float32)[None]
    worst, done = 0.0, False
    try:
        while not done:
            action, *state_a = exported(frame[None], None, *state_a)
            want, *state_p = policy(frame[None], params, *state_p)
            worst = max(worst, float(np.abs(action - want).max()))
            frame, _, terminated, truncated, _ = env.step(action[0])
            done = terminated or truncated
    finally:
        env.close()
    return worst


class SavedAgentPolicy:
    """Adapts an agent SavedModel to the engine's policy interface (one controller for all)."""

    def __init__(self, agent):
        self.agent = agent

    def initial_state(self, batch: int):
        state = self.agent.initial_state(batch)
        return state["h"].numpy(), state["c"].numpy()

    def __call__(self, frames, params, h, c):
        action, state = self.agent.act(frames, {"h": h, "c": c})
        return action.numpy(), state["h"].numpy(), state["c"].numpy()


"""The Evaluator's work: export V + M + C as one agent, score it, check the export, and
measure how far M's dream can be trusted (engine/fidelity.py)."""
from __future__ import annotations

import json
import os

import numpy as np

from worldmodels import layout, scores
from worldmodels.config import Config
from worldmodels.data import checks
from worldmodels.engine import episodes, fidelity
from worldmodels.engine.dream import DreamPolicy
from worldmodels.engine.policies import WorldModel
from worldmodels.engine.saved_agent import SavedAgentPolicy
from worldmodels.engine.scorers import real_scorer
from worldmodels.env.factory import make_env
from worldmodels.games import game
from worldmodels.export import agent as agentlib
from worldmodels.export import serving

EXPORT_ACTION_TOLERANCE = 1e-4  # float32 rounding across batch sizes, far below any effect
EXPORT_CHECK_STEPS = 200


def run(cfg: Config, vae_dir: str, rnn_dir: str, controller_dir: str, model_dir: str,
        evaluation_dir: str, beam_args: list[str] | None = None) -> dict:
    """Exports V + M + C as one agent SavedModel and scores it on `evaluator.episodes` fixed
    seeds over the pool's workers. The exported agent is then checked against the search's
    policy step by step on the first seed's frames. Returns evaluation.json's content and
    `worker_ids`, the worker of each episode."""
    checks.check_saved_model(vae_dir)
    checks.check_saved_model(rnn_dir)
    checks.check_files(controller_dir, "params.npy")
    vae = serving.load(os.path.join(vae_dir, layout.SERVING_DIR))
    rnn = serving.load(os.path.join(rnn_dir, layout.SERVING_DIR))
    params = np.load(os.path.join(controller_dir, "params.npy"))
    agent_dir = os.path.join(model_dir, layout.SERVING_DIR)
    spec = game(cfg.env.env_id)
    agentlib.export_agent(vae, rnn, params, spec, agent_dir)
    seeds = [cfg.evaluator.seed + i for i in range(cfg.evaluator.episodes)]
    ev = cfg.evaluator
    unmeasured = (fidelity.can_dream_scores(rnn, spec) if ev.fidelity_controllers else
                  "evaluator.fidelity_controllers is 0")
    fidelity_episodes = 0 if unmeasured else ev.fidelity_controllers * ev.fidelity_episodes
    with real_scorer(cfg, vae_dir, rnn_dir, len(seeds) + fidelity_episodes,
                     beam_args) as scorer:
        returns = scorer.score(params[None], [episodes.Job(0, s) for s in seeds])
        worker_ids = scorer.job_workers
        dream_fidelity = ({"unmeasured": unmeasured} if unmeasured else
                          _dream_fidelity(cfg, vae, rnn, params, controller_dir, scorer))
    diff = export_action_difference(serving.load(agent_dir),
                                    WorldModel(vae, rnn, spec).policy(params[None]), seeds[:1], cfg)
    if not diff <= EXPORT_ACTION_TOLERANCE:
        raise RuntimeError(f"{agent_dir}: the exported agent's actions differ from the search's "
                           f"policy by up to {diff:.3g} on seed {seeds[0]}")
    result = {"seeds": seeds, "returns": returns.tolist(), **scores.summarize(returns),
              "threshold": cfg.evaluator.threshold,
              "blessed": bool(returns.mean() >= cfg.evaluator.threshold),
              "export_max_action_difference": diff, "dream_fidelity": dream_fidelity}
    os.makedirs(evaluation_dir, exist_ok=True)
    with open(os.path.join(evaluation_dir, "evaluation.json"), "w") as f:
        json.dump(result, f, indent=1)
    return {**result, "worker_ids": worker_ids}


def _dream_fidelity(cfg: Config, vae, rnn, params: np.ndarray, controller_dir: str,
                    scorer) -> dict:
    """The search's evaluated means (or its C alone) and random controllers, real and dreamt
    on the evaluation's first seeds (engine/fidelity.py)."""
    ev, cc, spec = cfg.evaluator, cfg.controller, game(cfg.env.env_id)
    path = os.path.join(controller_dir, "evaluated_means.npz")
    means = np.load(path)["params"] if os.path.exists(path) else params[None]
    controllers, kinds = fidelity.controllers_to_compare(means, ev.fidelity_controllers,
                                                         cc.sigma0, cfg.seed)
    seeds = [ev.seed + i for i in range(ev.fidelity_episodes)]
    env = make_env(cfg.env.env_id, cfg.env.max_steps)
    try:
        first_z = fidelity.first_latents(env, vae, spec, seeds)
    finally:
        env.close()
    measured = fidelity.measure(scorer, DreamPolicy(rnn, spec, cc.dream_ends), controllers,
                                seeds, first_z, cc.dream_steps or cfg.env.max_steps,
                                cc.dream_temperature)
    return {"controllers": kinds, "seeds": seeds, "temperature": cc.dream_temperature,
            **measured}


def export_action_difference(agent, policy, seeds: list[int], cfg: Config) -> float:
    """Largest |action difference| between the exported agent and the search's `policy`
    (whose job 0 is the agent's controller) along the agent's episodes on `seeds` (first
    EXPORT_CHECK_STEPS steps each). The policy steps all of them in one batch, as the search
    does; the agent steps each on its own, as `play` does; both see the same frames and keep
    their own recurrent state. Returns are not compared: over 1,000 chaotic steps a last-bit
    difference between batch sizes or CPUs can change a trajectory, not the policy."""
    envs = [make_env(cfg.env.env_id, min(cfg.env.max_steps, EXPORT_CHECK_STEPS)) for _ in seeds]
    check = _ExportCheck(SavedAgentPolicy(agent), policy)
    try:
        episodes.play_jobs(envs, check, [episodes.Job(0, s) for s in seeds])
    finally:
        for env in envs:
            env.close()
    return check.worst


class _ExportCheck:
    """Acts with the exported agent, one environment per call, and keeps the largest
    difference from the reference policy's batched actions on the same frames."""

    def __init__(self, exported: SavedAgentPolicy, reference):
        self.exported, self.reference, self.worst = exported, reference, 0.0

    def reset(self, slots: int) -> None:
        self.exported.reset(slots)
        self.reference.reset(slots)

    def begin(self, slot: int, job) -> None:
        self.exported.begin(slot, job)
        self.reference.begin(slot, job)

    def act(self, frames: np.ndarray, slots) -> np.ndarray:
        want = self.reference.act(frames, slots)
        ids = np.arange(len(self.exported.h))[slots]
        actions = np.stack([self.exported.act(frames[i:i + 1], ids[i:i + 1])[0]
                            for i in range(len(ids))])
        self.worst = max(self.worst, float(np.abs(actions - want).max()))
        return actions

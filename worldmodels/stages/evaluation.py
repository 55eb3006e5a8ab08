"""The Evaluator's work: export V + M + C as one agent, score it, check the export."""
from __future__ import annotations

import json
import os

import numpy as np

from worldmodels import agent as agentlib
from worldmodels import artifact_checks, layout, rollout_engine, scores, serving
from worldmodels import env as envlib
from worldmodels.config import Config
from worldmodels.stages.runners import policy_runner


EXPORT_ACTION_TOLERANCE = 1e-4  # float32 rounding across batch sizes, far below any effect
EXPORT_CHECK_STEPS = 200


def evaluate_agent(cfg: Config, vision_dir: str, memory_dir: str, controller_dir: str,
                   model_dir: str, evaluation_dir: str, beam_args: list[str] | None = None) -> dict:
    """Evaluator: exports V + M + C as one agent SavedModel and scores it on
    `evaluator.episodes` fixed seeds over the worker processes. The exported agent is then
    checked against the search's policy step by step on the first seed's frames. Returns
    evaluation.json's content and `worker_ids`, the worker of each episode."""
    artifact_checks.check_saved_model(vision_dir)
    artifact_checks.check_saved_model(memory_dir)
    artifact_checks.check_files(controller_dir, "params.npy")
    vision = serving.load(os.path.join(vision_dir, layout.SERVING_DIR))
    memory = serving.load(os.path.join(memory_dir, layout.SERVING_DIR))
    params = np.load(os.path.join(controller_dir, "params.npy"))
    agent_dir = os.path.join(model_dir, layout.SERVING_DIR)
    agentlib.export_agent(vision, memory, params, agent_dir)
    seeds = [cfg.evaluator.seed + i for i in range(cfg.evaluator.episodes)]
    with policy_runner(cfg, vision_dir, memory_dir, len(seeds), beam_args) as pool:
        returns = pool.run(params[None], [rollout_engine.Job(0, s) for s in seeds])
        worker_ids = pool.job_workers
    diff = export_action_difference(serving.load(agent_dir),
                                    agentlib.PopulationPolicy(vision, memory), params, seeds[:1], cfg)
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
    return {**result, "worker_ids": worker_ids}


def export_action_difference(agent, policy, params: np.ndarray, seeds: list[int],
                             cfg: Config) -> float:
    """Largest |action difference| between the exported agent and the search's policy along
    the agent's episodes on `seeds` (first EXPORT_CHECK_STEPS steps each). The policy steps
    all of them in one batch, as the search does; the agent steps each on its own, as `play`
    does; both see the same frames and keep their own recurrent state. Returns are not
    compared: over 1,000 chaotic steps a last-bit difference between batch sizes or CPUs can
    change a trajectory, not the policy."""
    envs = [envlib.make_env(cfg.env.env_id, min(cfg.env.max_steps, EXPORT_CHECK_STEPS))
            for _ in seeds]
    exported = SavedAgentPolicy(agent)
    frames = np.stack([env.reset(seed=seed)[0] for env, seed in zip(envs, seeds)])
    states = [exported.initial_state(1) for _ in seeds]
    state_p = policy.initial_state(len(seeds))
    params = np.repeat(np.asarray(params, np.float32)[None], len(seeds), axis=0)
    live, worst = np.ones(len(seeds), bool), 0.0
    try:
        while live.any():  # a finished episode keeps its last frame; its actions are ignored
            want, *state_p = policy(frames, params, *state_p)
            for i in np.flatnonzero(live):
                action, *states[i] = exported(frames[i:i + 1], None, *states[i])
                worst = max(worst, float(np.abs(action[0] - want[i]).max()))
                frames[i], _, terminated, truncated, _ = envs[i].step(action[0])
                live[i] = not (terminated or truncated)
    finally:
        for env in envs:
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

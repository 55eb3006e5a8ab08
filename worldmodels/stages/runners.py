"""The worker pools that play the search's and the Evaluator's episodes, sized from the Config."""
from __future__ import annotations

import os

from worldmodels import layout, workers
from worldmodels.config import Config


def policy_runner(cfg: Config, vision_dir: str, memory_dir: str, episodes: int,
                   beam_args: list[str] | None) -> workers.PolicyRunner:
    runner = workers.make_runner(cfg.controller.workers, episodes * cfg.env.max_steps, beam_args)
    return workers.PolicyRunner(runner, cfg.env.env_id, cfg.env.max_steps,
                                os.path.join(vision_dir, layout.SERVING_DIR),
                                os.path.join(memory_dir, layout.SERVING_DIR),
                                cfg.controller.envs_per_worker)


def dream_runner(cfg: Config, memory_dir: str, latents_dir: str, dreams: int,
                  beam_args: list[str] | None) -> workers.DreamRunner:
    steps = cfg.controller.dream_steps or cfg.env.max_steps
    runner = workers.make_runner(cfg.controller.workers, dreams * steps, beam_args)
    return workers.DreamRunner(runner, os.path.join(memory_dir, layout.SERVING_DIR), latents_dir,
                               steps, cfg.controller.dream_temperature,
                               cfg.controller.dream_starts_every)

"""RolloutGen's work: Brownian-explorer episodes collected by workers, written as RLDS."""
from __future__ import annotations

import functools
import os

import tensorflow as tf

from worldmodels import env as envlib
from worldmodels import cluster, rollout, workers
from worldmodels.config import Config
from worldmodels.data import rlds
from worldmodels.progress import Progress


def _write_rollout_part(cfg_json: str, parts_dir: str, part: tuple) -> tuple[str, int]:
    """One shard's worth of episodes (a worker's task): collected and written as a dataset,
    marked done when complete (an unmarked one is a killed attempt's, written again)."""
    split, first_id, seeds = part
    cfg = Config.from_json(cfg_json)
    env = workers.cached(("env", cfg.env.env_id, cfg.env.max_steps),
                         lambda: envlib.make_env(cfg.env.env_id, cfg.env.max_steps))
    part_dir = _part_dir(parts_dir, part)
    if tf.io.gfile.exists(part_dir):
        tf.io.gfile.rmtree(part_dir)
    with rlds.DatasetWriter(part_dir, rlds.rollouts_config(), [split],
                            cfg.rollouts.episodes_per_shard) as writer:
        for i, seed in enumerate(seeds):
            episode = rollout.collect_episode(env, seed)
            if episode.length >= cfg.rollouts.min_steps:
                writer.add(split, [rlds.episode_example(episode, first_id + i, cfg.env.env_id)])
    rlds.mark_part_done(part_dir, cluster.worker_id())
    return part_dir, len(seeds)


def _part_dir(parts_dir: str, part: tuple) -> str:
    split, first_id, _ = part
    return os.path.join(parts_dir, f"{split}-{first_id:09d}")


def generate_rollouts(cfg: Config, out_dir: str, beam_args: list[str] | None = None,
                      work_dir: str | None = None) -> dict:
    """RolloutGen: Brownian-explorer episodes, train and eval splits, as an RLDS dataset.
    Each shard is collected and written by a worker (local process or Beam worker), then the
    shards are joined in seed order. Episode ids number the seeds: train first, then eval.

    With a `work_dir` (the executor's resumable working directory) the shards are written
    there and those a killed attempt finished are kept, not collected again. `worker_ids`
    names the worker of each shard."""
    rc = cfg.rollouts
    parts, first_id = [], 0
    for split, n in (("train", rc.train_episodes), ("eval", rc.eval_episodes)):
        seeds = rollout.episode_seeds(cfg.seed, split, n)
        for start in range(0, n, rc.episodes_per_shard):
            parts.append((split, first_id + start, seeds[start:start + rc.episodes_per_shard]))
        first_id += n
    parts_dir = os.path.join(work_dir, "parts") if work_dir else os.path.join(out_dir, "_parts")
    todo = [p for p in parts if not rlds.part_done(_part_dir(parts_dir, p))]
    runner = workers.make_runner(rc.workers, cfg.env.max_steps * sum(len(p[2]) for p in todo),
                                 beam_args)
    with Progress("rollouts", first_id, "episode") as bar:
        bar.update(first_id - sum(len(p[2]) for p in todo))
        runner.map(functools.partial(_write_rollout_part, cfg.to_json(), parts_dir), todo,
                   on_result=lambda r: bar.update(r[1]))
    runner.close()
    rlds.merge_parts(out_dir, rlds.rollouts_config(), [_part_dir(parts_dir, p) for p in parts],
                     rlds.SPLITS)
    if not work_dir:
        tf.io.gfile.rmtree(parts_dir)
    return {"episodes": sum(rlds.split_counts(out_dir, s)[0] for s in rlds.SPLITS),
            "steps": sum(rlds.split_counts(out_dir, s)[1] for s in rlds.SPLITS),
            "worker_ids": [rlds.part_worker(_part_dir(parts_dir, p)) for p in parts]}

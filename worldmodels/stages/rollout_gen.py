"""RolloutGen's work: the explorer's episodes, collected by a pool's workers, as RLDS."""
from __future__ import annotations

import functools

from worldmodels import seeds
from worldmodels.config import Config
from worldmodels.data import rlds, shards
from worldmodels.engine import episodes
from worldmodels.env.explore import Explorer
from worldmodels.env.factory import make_env
from worldmodels.games import game
from worldmodels.runtime import dask_cluster, pools


def episode_seeds(base_seed: int, split: str, count: int) -> list[int]:
    """Disjoint seed ranges per split, so train and eval never share a track."""
    return seeds.seeds(base_seed, f"rollouts_{split}", 0, count)


def run(cfg: Config, out_dir: str, beam_args: list[str] | None = None,
        work_dir: str | None = None) -> dict:
    """Explorer episodes, train and eval splits, as an RLDS dataset in `out_dir`: each shard
    collected and written by a worker (local process or Beam worker), then the shards joined
    in seed order. Episode ids number the seeds: train first, then eval. Episodes shorter than
    `rollouts.min_steps` are left out.

    With a `work_dir` (the executor's resumable working directory) the shards are written
    there and those a killed attempt finished are kept. Returns the episode and step counts
    and `worker_ids`, the worker of each shard."""
    rc = cfg.rollouts
    parts, first_id = [], 0
    for split, n in (("train", rc.train_episodes), ("eval", rc.eval_episodes)):
        split_seeds = episode_seeds(cfg.seed, split, n)
        for start in range(0, n, rc.episodes_per_shard):
            chunk = tuple(split_seeds[start:start + rc.episodes_per_shard])
            parts.append(shards.Shard(split, first_id + start, len(chunk), chunk))
        first_id += n
    collect = functools.partial(_collect, cfg.to_json())
    return shards.write_dataset(
        out_dir, work_dir, rlds.rollouts_config(cfg.env.env_id), parts, collect,
        lambda count: pools.make_pool(beam_args, rc.workers, cfg.env.max_steps * count),
        dask_cluster.worker_id, rc.episodes_per_shard, "rollouts")


def _collect(cfg_json: str, shard: shards.Shard, add) -> None:
    """A shard's episodes (a worker's task), each added as it ends."""
    cfg = Config.from_json(cfg_json)
    env = pools.cached(("env", cfg.env.env_id, cfg.env.max_steps),
                       lambda: make_env(cfg.env.env_id, cfg.env.max_steps))

    def keep(i: int, episode) -> None:
        if episode.length >= cfg.rollouts.min_steps:
            add(rlds.episode_example(episode, shard.first + i, cfg.env.env_id))

    episodes.collect_episodes(env, game(cfg.env.env_id), Explorer(cfg.env.env_id),
                              list(shard.seeds), keep)

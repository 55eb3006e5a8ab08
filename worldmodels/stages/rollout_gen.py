"""RolloutGen's work: the explorer's episodes, or in a later round the previous round's agent's
(with noise) and a share of the explorer's, collected by a pool's workers, as RLDS."""
from __future__ import annotations

import functools
import math
import os

from worldmodels import layout, seeds
from worldmodels.config import Config
from worldmodels.data import checks, rlds, shards
from worldmodels.engine import episodes, saved_agent
from worldmodels.env.explore import Explorer
from worldmodels.export import serving
from worldmodels.env.factory import make_env
from worldmodels.games import game
from worldmodels.runtime import dask_cluster, pools


def episode_seeds(cfg: Config, split: str, count: int) -> list[int]:
    """Disjoint seed ranges per split and round, so no two episodes share a track."""
    return seeds.round_seeds(cfg.seed, f"rollouts_{split}", cfg.round, count)


def explorer_count(cfg: Config, count: int, agent: bool) -> int:
    """How many of a split's `count` episodes (its first ones) the explorer plays: all of them
    without an agent, else the rounds' explorer share, rounded up."""
    return math.ceil(cfg.rounds.explorer_share * count) if agent else count


def run(cfg: Config, out_dir: str, beam_args: list[str] | None = None,
        work_dir: str | None = None, agent_dir: str | None = None) -> dict:
    """Episodes, train and eval splits, as an RLDS dataset in `out_dir`: each shard collected
    and written by a worker (local process or Beam worker), then the shards joined in seed
    order. Episode ids number the seeds: train first, then eval. Episodes shorter than
    `rollouts.min_steps` are left out. With `agent_dir` (a Model artifact holding an agent
    SavedModel, the previous round's) the agent plays all but each split's explorer share,
    its actions with `rounds.action_noise`.

    With a `work_dir` (the executor's resumable working directory) the shards are written
    there and those a killed attempt finished are kept. Returns the episode and step counts
    and `worker_ids`, the worker of each shard."""
    rc = cfg.rollouts
    agent = os.path.join(agent_dir, layout.SERVING_DIR) if agent_dir else None
    if agent:
        checks.check_saved_model(agent_dir)
        plays = saved_agent.agent_game(serving.load(agent)).env_id
        if plays != cfg.env.env_id:
            raise ValueError(f"{agent}: an agent of {plays}, not of {cfg.env.env_id}")
    parts, first_id, explorer_seeds = [], 0, set()
    for split, n in (("train", rc.train_episodes), ("eval", rc.eval_episodes)):
        split_seeds = episode_seeds(cfg, split, n)
        explorer_seeds.update(split_seeds[:explorer_count(cfg, n, bool(agent))])
        for start in range(0, n, rc.episodes_per_shard):
            chunk = tuple(split_seeds[start:start + rc.episodes_per_shard])
            parts.append(shards.Shard(split, first_id + start, len(chunk), chunk))
        first_id += n
    collect = functools.partial(_collect, cfg.to_json(), agent, frozenset(explorer_seeds))
    return shards.write_dataset(
        out_dir, work_dir, rlds.rollouts_config(cfg.env.env_id), parts, collect,
        lambda count: pools.make_pool(beam_args, rc.workers, cfg.env.max_steps * count),
        dask_cluster.worker_id, rc.episodes_per_shard, "rollouts")


def _collect(cfg_json: str, agent_path: str | None, explorer_seeds: frozenset,
             shard: shards.Shard, add) -> None:
    """A shard's episodes (a worker's task), each added as it ends: the explorer's first (a
    split's first seeds), then the agent's."""
    cfg = Config.from_json(cfg_json)
    spec = game(cfg.env.env_id)
    env = pools.cached(("env", cfg.env.env_id, cfg.env.max_steps),
                       lambda: make_env(cfg.env.env_id, cfg.env.max_steps))
    explored = [s for s in shard.seeds if s in explorer_seeds]
    played = list(shard.seeds[len(explored):])

    def keep(offset: int):
        def add_episode(i: int, episode) -> None:
            if episode.length >= cfg.rollouts.min_steps:
                add(rlds.episode_example(episode, shard.first + offset + i, cfg.env.env_id))
        return add_episode

    if explored:
        episodes.collect_episodes(env, spec, Explorer(cfg.env.env_id), explored, keep(0))
    if played:
        saved = pools.cached(("agent", agent_path), lambda: serving.load(agent_path))
        agent = saved_agent.NoisyPolicy(saved_agent.SavedAgentPolicy(saved),
                                        cfg.rounds.action_noise, spec)
        episodes.collect_episodes(env, spec, agent, played, keep(len(explored)))

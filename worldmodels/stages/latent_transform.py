"""LatentTransform's work: every episode encoded by V, one rollouts shard per task."""
from __future__ import annotations

import functools
import os

import numpy as np
import tensorflow as tf

from worldmodels import layout
from worldmodels.config import Config
from worldmodels.data import checks, rlds, shards
from worldmodels.export import serving
from worldmodels.runtime import dask_cluster, pools

ENCODE_BATCH = 256  # frames V encodes at once


def run(cfg: Config, rollouts_dir: str, vae_dir: str, out_dir: str,
        beam_args: list[str] | None = None, work_dir: str | None = None) -> dict:
    """Every episode of every split encoded to (mu, logvar) per step, one rollouts shard per
    task: in this process (TensorFlow uses every core) or on Beam workers. With a `work_dir`,
    shards a killed attempt finished there are kept. Returns the episode and step counts and
    `worker_ids`, the worker of each shard."""
    checks.check_dataset(rollouts_dir)
    checks.check_saved_model(vae_dir)
    builder = rlds.open_dataset(rollouts_dir)
    parts = []
    for split in rlds.SPLITS:
        rlds.split_files(builder, split)
        bounds = np.cumsum([0] + list(builder.info.splits[split].shard_lengths))
        parts += [shards.Shard(split, int(a), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:])]
    fill = functools.partial(_encode, rollouts_dir, os.path.join(vae_dir, layout.SERVING_DIR))
    action_size = builder.info.features["steps"]["action"].shape[0]
    features = rlds.latents_config(cfg.vae.z_size, action_size)
    return shards.write_dataset(out_dir, work_dir, features, parts, fill,
                                lambda count: pools.make_pool(beam_args, workers=1),
                                dask_cluster.worker_id, cfg.rollouts.episodes_per_shard,
                                "encode")


def _encode(rollouts_dir: str, vae_dir: str, shard: shards.Shard, add) -> None:
    """A rollouts shard's episodes encoded by V (a worker's task)."""
    vae = pools.cached(("vae", vae_dir), lambda: serving.load(vae_dir))
    builder = rlds.open_dataset(rollouts_dir)
    split = f"{shard.split}[{shard.first}:{shard.first + shard.count}]"
    episodes = builder.as_dataset(split=split).map(
        lambda ep: {**{k: v for k, v in ep.items() if k != "steps"},
                    "steps": rlds.episode_steps(ep)})
    for ep in rlds.checked(episodes, rlds.split_files(builder, shard.split)):
        add(_encoded_example(vae, ep))


def _encoded_example(vae, ep: dict) -> dict:
    steps = ep["steps"]
    images = tf.cast(steps["observation"], tf.float32) / 255.0
    mus, logvars = [], []
    for start in range(0, int(images.shape[0]), ENCODE_BATCH):
        out = vae.encode(images[start:start + ENCODE_BATCH])
        mus.append(out["mu"].numpy())
        logvars.append(out["logvar"].numpy())
    new_steps = {k: v.numpy() for k, v in steps.items() if k != "observation"}
    new_steps["observation"] = {"mu": np.concatenate(mus), "logvar": np.concatenate(logvars)}
    meta = {k: (v.numpy().decode() if v.dtype == tf.string else v.numpy())
            for k, v in ep.items() if k != "steps"}
    return {**meta, "steps": new_steps}

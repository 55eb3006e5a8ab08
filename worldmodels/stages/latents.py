"""LatentTransform's work: every episode encoded by V, one rollouts shard per task."""
from __future__ import annotations

import functools
import os

import numpy as np
import tensorflow as tf

from worldmodels import artifact_checks, cluster, layout, serving, workers
from worldmodels.config import Config
from worldmodels.data import rlds
from worldmodels.progress import Progress


def _encode_part(cfg_json: str, rollouts_dir: str, vision_dir: str, parts_dir: str,
                 part: tuple, batch_size: int = 256) -> str:
    """One rollouts shard encoded by V (a worker's task), written as a dataset and marked done
    when complete (an unmarked one is a killed attempt's, written again)."""
    split, start, end = part
    cfg = Config.from_json(cfg_json)
    vision = workers.cached(("vision", vision_dir), lambda: serving.load(vision_dir))
    builder = rlds.open_dataset(rollouts_dir)
    episodes = builder.as_dataset(split=f"{split}[{start}:{end}]").map(
        lambda ep: {**{k: v for k, v in ep.items() if k != "steps"},
                    "steps": rlds.episode_steps(ep)})
    part_dir = _part_dir(parts_dir, part)
    if tf.io.gfile.exists(part_dir):
        tf.io.gfile.rmtree(part_dir)
    with rlds.DatasetWriter(part_dir, rlds.latents_config(cfg.vae.z_size), [split],
                            cfg.rollouts.episodes_per_shard) as writer:
        for ep in rlds.checked(episodes, rlds.split_files(builder, split)):
            writer.add(split, [_encoded_example(vision, ep, batch_size)])
    rlds.mark_part_done(part_dir, cluster.worker_id())
    return part_dir


def _part_dir(parts_dir: str, part: tuple) -> str:
    split, start, _ = part
    return os.path.join(parts_dir, f"{split}-{start:09d}")


def encode_latents(cfg: Config, rollouts_dir: str, vision_dir: str, out_dir: str,
                   beam_args: list[str] | None = None, work_dir: str | None = None) -> dict:
    """LatentTransform: every episode of every split encoded to (mu, logvar) per step, one
    rollouts shard per task: here (TensorFlow uses every core) or on Beam workers. With a
    `work_dir`, shards a killed attempt finished there are kept, not encoded again.
    `worker_ids` names the worker of each shard."""
    artifact_checks.check_dataset(rollouts_dir)
    artifact_checks.check_saved_model(vision_dir)
    builder = rlds.open_dataset(rollouts_dir)
    parts = []
    for split in rlds.SPLITS:
        rlds.split_files(builder, split)
        bounds = np.cumsum([0] + list(builder.info.splits[split].shard_lengths))
        parts += [(split, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
    parts_dir = os.path.join(work_dir, "parts") if work_dir else os.path.join(out_dir, "_parts")
    todo = [p for p in parts if not rlds.part_done(_part_dir(parts_dir, p))]
    runner = workers.make_runner(1, 0, beam_args)
    fn = functools.partial(_encode_part, cfg.to_json(), rollouts_dir,
                           os.path.join(vision_dir, layout.SERVING_DIR), parts_dir)
    with Progress("encode", len(parts), "shard") as bar:
        bar.update(len(parts) - len(todo))
        runner.map(fn, todo, on_result=lambda _: bar.update(1))
    runner.close()
    rlds.merge_parts(out_dir, rlds.latents_config(cfg.vae.z_size),
                     [_part_dir(parts_dir, p) for p in parts], rlds.SPLITS)
    if not work_dir:
        tf.io.gfile.rmtree(parts_dir)
    return {"episodes": sum(rlds.split_counts(out_dir, s)[0] for s in rlds.SPLITS),
            "steps": sum(rlds.split_counts(out_dir, s)[1] for s in rlds.SPLITS),
            "worker_ids": [rlds.part_worker(_part_dir(parts_dir, p)) for p in parts]}


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

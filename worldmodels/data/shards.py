"""RolloutGen's and LatentTransform's output: an RLDS dataset written shard by shard on a
pool's workers, then joined in shard order.

Each shard is written as a dataset of its own in the stage's working directory and marked done
when complete; a rerun after a kill writes only the unmarked ones (a half-written shard is
written again). The join links the shards' files (or copies them across filesystems), so a
join killed midway is just done again.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Callable

import tensorflow as tf

from worldmodels.data import rlds
from worldmodels.progress import Progress


@dataclass(frozen=True)
class Shard:
    """`count` episodes of `split`, the first numbered `first` (an episode id for rollouts,
    a position in the split for latents); `seeds` are the episodes' seeds when collecting."""
    split: str
    first: int
    count: int
    seeds: tuple = ()

    def directory(self, shards_dir: str) -> str:
        return os.path.join(shards_dir, f"{self.split}-{self.first:09d}")


Fill = Callable[[Shard, Callable[[dict], None]], None]  # (shard, add(example)) on a worker


def write_dataset(out_dir: str, work_dir: str | None, features, shards: list[Shard], fill: Fill,
                  make_pool: Callable[[int], object], worker_id: Callable[[], str],
                  episodes_per_file: int, label: str) -> dict:
    """Writes every shard not yet done with `fill` (a picklable function run on the workers
    of `make_pool(episodes to write)`, calling add(example) once per episode) and joins all
    of them into `out_dir`. Returns the dataset's episode and step counts and `worker_ids`,
    the worker of each shard, as `worker_id()` (picklable) named it there."""
    shards_dir = os.path.join(work_dir, "parts") if work_dir else os.path.join(out_dir, "_parts")
    todo = [s for s in shards if not rlds.part_done(s.directory(shards_dir))]
    total = sum(s.count for s in shards)
    write = functools.partial(_write_shard, fill, features, shards_dir, episodes_per_file,
                              worker_id)
    with make_pool(sum(s.count for s in todo)) as pool, Progress(label, total, "episode") as bar:
        bar.update(total - sum(s.count for s in todo))
        pool.map(write, todo, on_result=lambda shard: bar.update(shard.count))
    rlds.merge_parts(out_dir, features, [s.directory(shards_dir) for s in shards], rlds.SPLITS)
    worker_ids = [rlds.part_worker(s.directory(shards_dir)) for s in shards]
    if not work_dir:
        tf.io.gfile.rmtree(shards_dir)
    counts = [rlds.split_counts(out_dir, split) for split in rlds.SPLITS]
    return {"episodes": sum(c[0] for c in counts), "steps": sum(c[1] for c in counts),
            "worker_ids": worker_ids}


def _write_shard(fill: Fill, features, shards_dir: str, episodes_per_file: int,
                 worker_id: Callable[[], str], shard: Shard) -> Shard:
    """One shard as a dataset of its own (a worker's task), marked done when complete."""
    directory = shard.directory(shards_dir)
    if tf.io.gfile.exists(directory):
        tf.io.gfile.rmtree(directory)
    with rlds.DatasetWriter(directory, features, [shard.split], episodes_per_file) as writer:
        fill(shard, lambda example: writer.add(shard.split, [example]))
    rlds.mark_part_done(directory, worker_id())
    return shard

"""The V laboratory: V trained from one run's rollouts under several settings, each under
several seeds, and measured at the same marks of batches: the minutes its training took, the
held-out reconstruction loss (the eval split at z = mu, as VAETrainer reports it), and the
error on the pixels that matter.

The pixels that matter are those that differ from their episode's median frame
(inspect.visuals.matter_mask): what moves against the background (DoomTakeCover's fireballs
and monsters, CarRacing's road as it turns).
A V whose summed error is low can still blur them away, and C cannot dodge what V does not draw.

Each run trains through VAETrainer's own loop (training.vae_train.train_vae) in a checkpoint
directory of its own, so a stopped laboratory resumes exactly where it was, and a mark already
measured (results.json) is never measured again.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from worldmodels.config import VAEConfig
from worldmodels.data import rlds
from worldmodels.inspect import visuals
from worldmodels.training import vae_train

@dataclass
class Mark:
    batches: int
    images: int
    train_minutes: float  # training to this mark, from the start, evaluation excluded
    eval_reconstruction: float  # per image, summed squared error over pixels and channels
    eval_kl: float
    matter_error: float  # per pixel that matters, summed squared error over its channels
    matter_share: float  # the share of the eval split's pixels that matter


@dataclass
class VRun:
    setting: str
    seed: int
    vae: VAEConfig
    marks: list[Mark] = dataclasses.field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.setting}-seed{self.seed}"


def eval_episodes(rollouts_dir: str) -> list[np.ndarray]:
    """The eval split's episodes, uint8 frames [T, 64, 64, 3] each."""
    return [e["steps"]["observation"] for e in rlds.read_episode_arrays(rollouts_dir, "eval")]


def reconstruct(model, frames: np.ndarray, batch: int = 256) -> np.ndarray:
    """V's reconstructions at z = mu, float32 [T, 64, 64, 3] in [0, 1]."""
    out = []
    for i in range(0, len(frames), batch):
        mu, _ = model.encode(tf.cast(frames[i:i + batch], tf.float32) / 255.0)
        out.append(model.decode(mu).numpy())
    return np.concatenate(out)


def matter_error(model, episodes: list[np.ndarray]) -> tuple[float, float]:
    """(error per pixel that matters, the share of pixels that matter) over the episodes."""
    error = count = pixels = 0.0
    for frames in episodes:
        mask = visuals.matter_mask(frames)
        squared = np.square(reconstruct(model, frames) - frames.astype(np.float32) / 255.0)
        error += float(squared.sum(axis=-1)[mask].sum())
        count += float(mask.sum())
        pixels += mask.size
    return error / max(count, 1.0), count / max(pixels, 1.0)


def strip(model, episodes: list[np.ndarray], count: int = 8) -> np.ndarray:
    """uint8 [2, <= count, 64, 64, 3]: a frame of each of the first `count` episodes where
    what moves is mid-way (inspect.visuals.mid_motion_frames), real above V's reconstruction."""
    real = visuals.mid_motion_frames(episodes, count)
    recon = np.clip(np.rint(reconstruct(model, real) * 255.0), 0, 255).astype(np.uint8)
    return np.stack([real, recon])


def measure(run: VRun, rollouts_dir: str, batches: int, work: str,
            episodes: list[np.ndarray]) -> tuple[Mark, object]:
    """Trains `run` on to `batches` batches (resuming from its checkpoints) and measures it."""
    # the marks, not the preset's epochs or max_steps, decide how long V trains
    cfg = dataclasses.replace(run.vae, max_steps=batches, epochs=batches)
    before = run.marks[-1].train_minutes if run.marks else 0.0
    started = time.time()
    result = vae_train.train_vae(rollouts_dir, cfg, run.seed,
                                 os.path.join(work, run.name, "checkpoints"), evaluate=False)
    minutes = before + (time.time() - started) / 60
    eval_r, eval_kl = vae_train.evaluate_vae(result.model, rollouts_dir, cfg)
    error, share = matter_error(result.model, episodes)
    return Mark(result.steps, result.steps * cfg.batch_size, minutes, eval_r, eval_kl, error,
                share), result.model


def load_runs(work: str, runs: list[VRun]) -> list[VRun]:
    """The runs with the marks results.json holds for them; a run saved under other settings
    is refused (its numbers would be mislabelled)."""
    path = os.path.join(work, "results.json")
    saved = {}
    if os.path.exists(path):
        with open(path) as f:
            saved = {r["run"]: r for r in json.load(f)}
    for run in runs:
        if run.name in saved:
            row = saved[run.name]
            if row["vae"] != dataclasses.asdict(run.vae):
                raise ValueError(f"{path}: {run.name} was measured under other settings than "
                                 f"setting {run.setting!r} has now; give the setting another name")
            run.marks = [Mark(**m) for m in row["marks"]]
    return runs


def save_runs(work: str, runs: list[VRun]) -> None:
    """Writes these runs' marks, keeping the rows of runs this invocation did not name."""
    path = os.path.join(work, "results.json")
    kept = []
    if os.path.exists(path):
        with open(path) as f:
            named = {r.name for r in runs}
            kept = [row for row in json.load(f) if row["run"] not in named]
    rows = kept + [{"run": r.name, "setting": r.setting, "seed": r.seed,
                    "vae": dataclasses.asdict(r.vae),
                    "marks": [dataclasses.asdict(m) for m in r.marks]} for r in runs]
    with open(path + ".tmp", "w") as f:
        json.dump(rows, f, indent=1)
    os.replace(path + ".tmp", path)

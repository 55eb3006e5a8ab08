"""RNNTrainer's work: train M, evaluate it, export it."""
from __future__ import annotations

import json
import os

from worldmodels import layout, precision
from worldmodels.config import Config
from worldmodels.data import checks
from worldmodels.export.rnn import save_rnn
from worldmodels.training import rnn_train


def run(cfg: Config, latents_dir: str, model_dir: str, run_dir: str, checkpoint_dir: str,
        warm_start_dir: str | None = None, earlier_dirs: tuple[str, ...] = ()) -> dict:
    """Trains M (or, with rnn.steps=0, leaves it untrained) and exports it with step and
    sequence signatures. In a later round M starts from the previous round's (`warm_start_dir`,
    a Model artifact) and also learns from the earlier rounds' latents (`earlier_dirs`), mixed
    by rounds.newest_share."""
    for directory in (latents_dir, *earlier_dirs):
        checks.check_dataset(directory)
    if warm_start_dir:
        checks.check_saved_model(warm_start_dir)
    result = rnn_train.train_rnn(
        latents_dir, cfg.rnn, cfg.seed, checkpoint_dir, run_dir,
        warm_start=os.path.join(warm_start_dir, layout.SERVING_DIR) if warm_start_dir else None,
        earlier=tuple(earlier_dirs), newest_share=cfg.rounds.newest_share)
    save_rnn(result.model, os.path.join(model_dir, layout.SERVING_DIR))
    metrics = {"steps": result.steps, "eval_nll": result.eval_nll,
               "precision": precision.resolve(cfg.rnn.precision),
               "train_loss": result.train_loss if result.steps else None,  # untrained: none
               **{f"eval_{k}": v for k, v in result.eval_heads.items()}}
    os.makedirs(run_dir, exist_ok=True)
    with open(os.path.join(run_dir, "evaluation.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    return metrics

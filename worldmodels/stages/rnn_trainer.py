"""RNNTrainer's work: train M, evaluate it, export it."""
from __future__ import annotations

import json
import os

from worldmodels import layout, precision
from worldmodels.config import Config
from worldmodels.data import checks
from worldmodels.export.rnn import save_rnn
from worldmodels.training import rnn_train


def run(cfg: Config, latents_dir: str, model_dir: str, run_dir: str,
        checkpoint_dir: str) -> dict:
    """Trains M (or, with rnn.steps=0, leaves it untrained) and exports it with step and
    sequence signatures."""
    checks.check_dataset(latents_dir)
    result = rnn_train.train_rnn(latents_dir, cfg.rnn, cfg.seed, checkpoint_dir, run_dir)
    save_rnn(result.model, os.path.join(model_dir, layout.SERVING_DIR))
    metrics = {"steps": result.steps, "eval_nll": result.eval_nll,
               "precision": precision.resolve(cfg.rnn.precision),
               "train_loss": result.train_loss if result.steps else None,  # untrained: none
               **{f"eval_{k}": v for k, v in result.eval_heads.items()}}
    os.makedirs(run_dir, exist_ok=True)
    with open(os.path.join(run_dir, "evaluation.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    return metrics

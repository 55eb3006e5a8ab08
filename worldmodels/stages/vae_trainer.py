"""VAETrainer's work: train V and export it."""
from __future__ import annotations

import os

from worldmodels import layout, precision
from worldmodels.config import Config
from worldmodels.data import checks
from worldmodels.export.vae import save_vae
from worldmodels.training import vae_train


def run(cfg: Config, rollouts_dir: str, model_dir: str, run_dir: str, checkpoint_dir: str,
        warm_start_dir: str | None = None, earlier_dirs: tuple[str, ...] = ()) -> dict:
    """Trains V and exports it as a SavedModel with encode and decode signatures. In a later
    round V starts from the previous round's (`warm_start_dir`, a Model artifact) and also
    learns from the earlier rounds' rollouts (`earlier_dirs`)."""
    for directory in (rollouts_dir, *earlier_dirs):
        checks.check_dataset(directory)
    if warm_start_dir:
        checks.check_saved_model(warm_start_dir)
    result = vae_train.train_vae(
        rollouts_dir, cfg.vae, cfg.seed, checkpoint_dir, run_dir,
        warm_start=os.path.join(warm_start_dir, layout.SERVING_DIR) if warm_start_dir else None,
        earlier=tuple(earlier_dirs))
    save_vae(result.model, os.path.join(model_dir, layout.SERVING_DIR))
    return {"steps": result.steps, "train_loss": result.train_loss,
            "precision": precision.resolve(cfg.vae.precision),
            "eval_reconstruction_loss": result.eval_reconstruction_loss,
            "eval_kl_loss": result.eval_kl_loss}

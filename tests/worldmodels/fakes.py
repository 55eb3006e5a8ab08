"""Small artifacts the unit tests build on: rollouts, latents, and untrained V and M."""
from __future__ import annotations

import numpy as np

from worldmodels.data import rlds
from worldmodels.data.episode import Episode
from worldmodels.export.rnn import save_rnn
from worldmodels.export.vae import save_vae
from worldmodels.models.mdnrnn import MDNRNN
from worldmodels.models.vae import ConvVAE


def write_rollouts(path: str, steps: int = 8, episodes_per_shard: int = 4,
                   seed: int = 0) -> None:
    """Rollouts of random frames (drawn from `seed`): 3 train episodes, 1 eval, `steps`
    transitions each."""
    rng = np.random.default_rng(seed)
    with rlds.DatasetWriter(path, rlds.rollouts_config(), ["train", "eval"],
                            episodes_per_shard) as writer:
        for split, n in (("train", 3), ("eval", 1)):
            writer.add(split, [rlds.episode_example(Episode(
                seed=i, observations=rng.integers(0, 256, (steps + 1, 64, 64, 3), dtype=np.uint8),
                actions=np.zeros((steps, 3), np.float32), rewards=np.zeros(steps, np.float32),
                terminated=False, truncated=True), i) for i in range(n)])


def write_latents(path: str) -> None:
    """One 12-transition latent series, the same in train and eval."""
    rng = np.random.default_rng(1)
    mu = rng.normal(size=(13, 32)).astype(np.float32)
    actions = rng.uniform(-1, 1, (13, 3)).astype(np.float32)
    with rlds.DatasetWriter(path, rlds.latents_config(32), ["train", "eval"], 4) as writer:
        for split in ("train", "eval"):  # the same series: eval NLL must fall as M learns it
            steps = {"observation": {"mu": mu, "logvar": np.full_like(mu, -2.0)},
                     "action": actions,
                     "reward": np.zeros(13, np.float32), "discount": np.ones(13, np.float32),
                     "is_first": np.eye(1, 13, 0, bool)[0], "is_last": np.eye(1, 13, 12, bool)[0],
                     "is_terminal": np.zeros(13, bool)}
            writer.add(split, [{"steps": steps, "episode_id": 0, "seed": 0,
                                "env_id": "CarRacing-v3", "episode_return": 0.0, "length": 12}])


def save_untrained_models(directory) -> tuple[str, str]:
    """An untrained V and M as SavedModels under `directory`: (vae_dir, rnn_dir)."""
    vae_dir, rnn_dir = str(directory / "vae"), str(directory / "rnn")
    save_vae(ConvVAE(), vae_dir)
    save_rnn(MDNRNN(), rnn_dir)
    return vae_dir, rnn_dir

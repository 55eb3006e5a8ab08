"""Shared by the benchmarks: untrained V and M SavedModels (speed does not depend on the
weights), one TensorFlow thread as in a worker, and a plain table printer."""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def untrained_world_model(directory: str) -> tuple[str, str]:
    """Saves a freshly initialised V and M; returns their SavedModel paths."""
    from worldmodels.export.rnn import save_rnn
    from worldmodels.export.vae import save_vae
    from worldmodels.models.mdnrnn import MDNRNN
    from worldmodels.models.vae import ConvVAE

    vae_dir, rnn_dir = os.path.join(directory, "vae"), os.path.join(directory, "rnn")
    save_vae(ConvVAE(), vae_dir)
    save_rnn(MDNRNN(reward_head=True, done_head=True), rnn_dir)
    return vae_dir, rnn_dir


def one_tf_thread() -> None:
    """As in a worker process: TensorFlow on one core."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def table(title: str, rows: list[tuple[str, float]], unit: str, ratio_name: str,
          ratio: float, floor: float) -> bool:
    """Prints the rows and the ratio against its floor; True when the floor is met."""
    print(f"\n{title}")
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value:10.1f} {unit}")
    verdict = "meets" if ratio >= floor else "BELOW"
    print(f"  {ratio_name}: {ratio:.2f} ({verdict} the floor of {floor})")
    return ratio >= floor

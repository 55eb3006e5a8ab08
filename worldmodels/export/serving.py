"""Loading the project's SavedModels (V, M, the agent) with TensorFlow alone."""
from __future__ import annotations

import tensorflow as tf


def load(path: str):
    """Loads a SavedModel, with a one-line error naming the path if it is not one."""
    if not tf.saved_model.contains_saved_model(path):
        raise FileNotFoundError(f"{path}: no SavedModel here")
    return tf.saved_model.load(path)

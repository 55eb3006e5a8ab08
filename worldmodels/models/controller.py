"""C: a = tanh(W [z, h] + b), one flat parameter vector for CMA-ES (867 for CarRacing, 577
for DoomTakeCover).

Batched over environments with one parameter vector each, so a whole CMA-ES population acts
in a single call."""
from __future__ import annotations

import numpy as np
import tensorflow as tf


def parameter_count(z_size: int = 32, hidden_units: int = 256, action_size: int = 3) -> int:
    return (z_size + hidden_units) * action_size + action_size


def unflatten(params: np.ndarray, input_size: int, action_size: int = 3):
    """params [..., P] -> W [..., input_size, action_size], b [..., action_size]."""
    params = np.asarray(params, np.float32)
    expected = input_size * action_size + action_size
    if params.shape[-1] != expected:
        raise ValueError(f"controller parameters: expected {expected} values, got {params.shape[-1]}")
    w = params[..., : input_size * action_size].reshape(params.shape[:-1] + (input_size, action_size))
    return w, params[..., input_size * action_size:]


def to_env_action(a, mapping: str = "car_racing"):
    """The paper's mappings of tanh outputs a: "car_racing", [-1, 1]^3 to CarRacing's (steer,
    gas, brake); "choice", one output to -1 (a < -1/3), 1 (a > 1/3) or 0 (DoomTakeCover's
    left, right, stay)."""
    if mapping == "choice":
        return tf.cast(a > 1.0 / 3.0, tf.float32) - tf.cast(a < -1.0 / 3.0, tf.float32)
    return tf.stack([a[..., 0], (a[..., 1] + 1.0) / 2.0, tf.clip_by_value(a[..., 2], 0.0, 1.0)], -1)


def act(z, h, w, b, mapping: str = "car_racing"):
    """z [B, Z], h [B, H], per-environment W [B, Z+H, A] and b [B, A] -> env actions [B, A]."""
    x = tf.concat([z, h], axis=-1)
    return to_env_action(tf.tanh(tf.einsum("bi,bij->bj", x, w) + b), mapping)

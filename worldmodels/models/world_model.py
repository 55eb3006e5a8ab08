"""V, M and C composed into one agent step: V encodes the frame, C acts on [z, h], M
advances h. One definition serves the search's population policy and the shipped agent.

C reads V's mean mu (deterministic for fixed seeds) and M's hidden state before the step.
"""
from __future__ import annotations

import tensorflow as tf

from worldmodels.env import car_racing
from worldmodels.models import controller

FRAMES_SPEC = tf.TensorSpec([None, *car_racing.FRAME_SHAPE], tf.uint8, name="obs")


def preprocess(frames):
    """TensorFlow twin of car_racing.preprocess: uint8 [B, 96, 96, 3] -> float [B, 64, 64, 3]
    in [0, 1].

    The area resize is two plain matrix products over the whole batch (rows, then columns),
    the fastest layout for TensorFlow on a CPU; the rounded result equals the numpy one."""
    size, width = car_racing.OBS_SIZE, car_racing.FRAME_SHAPE[1]
    crop = tf.cast(frames[:, : car_racing.CROP_ROWS], tf.float32)  # B, 84, 96, 3
    rows = tf.reshape(tf.transpose(crop, [1, 0, 2, 3]), [car_racing.CROP_ROWS, -1])
    rows = tf.matmul(car_racing.ROW_MATRIX, rows)  # 64, B * 96 * 3
    cols = tf.transpose(tf.reshape(rows, [size, -1, width, 3]), [0, 1, 3, 2])  # 64, B, 3, 96
    out = tf.matmul(tf.reshape(cols, [-1, width]), car_racing.COL_MATRIX.T)
    out = tf.transpose(tf.reshape(out, [size, -1, 3, size]), [1, 0, 3, 2])
    return tf.round(out) / 255.0


def step(vae, rnn, frames, w, b, h, c):
    """One batched step: (env actions, next h, next c).

    TensorFlow's kernels for a batch of one round differently from larger batches, so one
    row is repeated: an environment's actions then never depend on how many others share
    its batch."""
    n = tf.shape(frames)[0]
    frames, w, b, h, c = (tf.concat([x, x[:1]], 0) for x in (frames, w, b, h, c))
    mu = vae.encode(preprocess(frames))["mu"]
    action = controller.act(mu, h, w, b)
    nxt = rnn.step(mu, action, h, c)
    return action[:n], nxt["h"][:n], nxt["c"][:n]

"""V, M and C composed into one agent step: V encodes the frame, C acts on [z, h], M
advances h. One definition serves the search's population policy and the shipped agent.

C reads V's mean mu (deterministic for fixed seeds) and M's hidden state before the step.
"""
from __future__ import annotations

import tensorflow as tf

from worldmodels.env.frames import OBS_SIZE, FrameSpec
from worldmodels.env.games import Game
from worldmodels.models import controller


def frames_spec(game: Game) -> tf.TensorSpec:
    return tf.TensorSpec([None, *game.frames.shape], tf.uint8, name="obs")


def preprocess(frames, spec: FrameSpec):
    """TensorFlow twin of FrameSpec.preprocess: uint8 [B, *spec.shape] -> float
    [B, 64, 64, 3] in [0, 1].

    The area resize is two plain matrix products over the whole batch (rows, then columns),
    the fastest layout for TensorFlow on a CPU; the rounded result equals the numpy one."""
    width = spec.shape[1]
    crop = tf.cast(frames[:, : spec.crop_rows], tf.float32)  # B, rows, width, 3
    rows = tf.reshape(tf.transpose(crop, [1, 0, 2, 3]), [spec.crop_rows, -1])
    rows = tf.matmul(spec.row_matrix, rows)  # 64, B * width * 3
    cols = tf.transpose(tf.reshape(rows, [OBS_SIZE, -1, width, 3]), [0, 1, 3, 2])  # 64, B, 3, W
    out = tf.matmul(tf.reshape(cols, [-1, width]), spec.col_matrix.T)
    out = tf.transpose(tf.reshape(out, [OBS_SIZE, -1, 3, OBS_SIZE]), [1, 0, 3, 2])
    return tf.round(out) / 255.0


def step(vae, rnn, game: Game, frames, w, b, h, c):
    """One batched step: (env actions, next h, next c).

    TensorFlow's kernels for a batch of one round differently from larger batches, so one
    row is repeated: an environment's actions then never depend on how many others share
    its batch."""
    n = tf.shape(frames)[0]
    frames, w, b, h, c = (tf.concat([x, x[:1]], 0) for x in (frames, w, b, h, c))
    mu = vae.encode(preprocess(frames, game.frames))["mu"]
    action = controller.act(mu, h, w, b, game.action_mapping)
    nxt = rnn.step(mu, action, h, c)
    return action[:n], nxt["h"][:n], nxt["c"][:n]

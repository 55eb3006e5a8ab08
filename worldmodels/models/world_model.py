"""V, M and C composed into one agent step: V encodes the frame, C acts on [z, h], M
advances h. One definition serves the search's population policy and the shipped agent.

C reads V's mean mu (deterministic for fixed seeds) and M's hidden state before the step.
"""
from __future__ import annotations

import tensorflow as tf

from worldmodels.frames import OBS_SHAPE, OBS_SIZE, FrameSpec
from worldmodels.games import Game
from worldmodels.models import controller


def frames_spec(game: Game) -> tf.TensorSpec:
    return tf.TensorSpec([None, *game.frames.shape], tf.uint8, name="obs")


def preprocess(frames, spec: FrameSpec):
    """TensorFlow twin of FrameSpec.preprocess: uint8 [B, *spec.shape] -> float
    [B, 64, 64, 3] in [0, 1], by the same block products (columns, then rows); the rounded
    result equals the numpy one."""
    crop = tf.cast(frames[:, : spec.crop_rows], tf.float32)
    cols = tf.matmul(tf.reshape(crop, [-1, spec.col_kernel.shape[0]]), spec.col_kernel)
    rows = tf.matmul(spec.row_block,
                     tf.reshape(cols, [-1, spec.row_block.shape[1], OBS_SIZE * 3]))
    return tf.round(tf.reshape(rows, [-1, *OBS_SHAPE])) / 255.0


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

"""The world-model agent: V encodes the frame, C acts on [z, h], M advances h.

One step function serves three callers: ControllerSearch (a population, one controller per
environment), the Evaluator, and the exported agent SavedModel (one controller for all).
C reads V's mean mu (deterministic for fixed seeds, as C's implementation does) and M's
hidden state before the current step.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from worldmodels import env as envlib
from worldmodels.models import controller

FRAMES_SPEC = tf.TensorSpec([None, *envlib.FRAME_SHAPE], tf.uint8, name="obs")


def preprocess(frames):
    """TensorFlow twin of env.preprocess: uint8 [B, 96, 96, 3] -> float [B, 64, 64, 3] in [0, 1].

    The area resize is two plain matrix products over the whole batch (rows, then columns),
    the fastest layout for TensorFlow on a CPU; the rounded result equals env.preprocess."""
    crop = tf.cast(frames[:, : envlib.CROP_ROWS], tf.float32)  # B, 84, 96, 3
    rows = tf.reshape(tf.transpose(crop, [1, 0, 2, 3]), [envlib.CROP_ROWS, -1])
    rows = tf.matmul(envlib.ROW_MATRIX, rows)  # 64, B * 96 * 3
    cols = tf.transpose(tf.reshape(rows, [envlib.OBS_SIZE, -1, envlib.FRAME_SHAPE[1], 3]),
                        [0, 1, 3, 2])  # 64, B, 3, 96
    out = tf.matmul(tf.reshape(cols, [-1, envlib.FRAME_SHAPE[1]]), envlib.COL_MATRIX.T)
    out = tf.transpose(tf.reshape(out, [envlib.OBS_SIZE, -1, 3, envlib.OBS_SIZE]), [1, 0, 3, 2])
    return tf.round(out) / 255.0


def step(vision, memory, frames, w, b, h, c):
    """One batched step: (env actions, next h, next c).

    TensorFlow's kernels for a batch of one round differently from larger batches, so one
    row is repeated: an environment's actions then never depend on how many others share
    its batch."""
    n = tf.shape(frames)[0]
    frames, w, b, h, c = (tf.concat([x, x[:1]], 0) for x in (frames, w, b, h, c))
    mu = vision.encode(preprocess(frames))["mu"]
    action = controller.act(mu, h, w, b)
    nxt = memory.step(mu, action, h, c)
    return action[:n], nxt["h"][:n], nxt["c"][:n]


class PopulationPolicy:
    """V and M with a different controller per environment, for CMA-ES populations."""

    def __init__(self, vision, memory):
        self.z_size = int(vision.z_size)
        self.hidden_units = int(memory.hidden_units)
        inputs = self.z_size + self.hidden_units
        hid = self.hidden_units
        self._step = tf.function(
            lambda frames, w, b, h, c: step(vision, memory, frames, w, b, h, c),
            input_signature=[FRAMES_SPEC, tf.TensorSpec([None, inputs, 3], tf.float32),
                             tf.TensorSpec([None, 3], tf.float32),
                             tf.TensorSpec([None, hid], tf.float32),
                             tf.TensorSpec([None, hid], tf.float32)])

    def initial_state(self, batch: int):
        return np.zeros((batch, self.hidden_units), np.float32), np.zeros((batch, self.hidden_units), np.float32)

    def __call__(self, frames, params, h, c):
        w, b = controller.unflatten(params, self.z_size + self.hidden_units)
        action, h, c = self._step(np.asarray(frames), w, b, h, c)
        return action.numpy(), h.numpy(), c.numpy()


class Agent(tf.Module):
    """The shipped agent: `initial_state(batch_size)` and `act(obs, state) -> (action, state)`."""

    def __init__(self, vision, memory, params: np.ndarray):
        super().__init__(name="agent")
        self.vision, self.memory = vision, memory
        z_size, hid = int(vision.z_size), int(memory.hidden_units)
        w, b = controller.unflatten(params, z_size + hid)
        self.w = tf.Variable(w, trainable=False, name="controller_w")
        self.b = tf.Variable(b, trainable=False, name="controller_b")
        state_spec = {"h": tf.TensorSpec([None, hid], tf.float32, name="h"),
                      "c": tf.TensorSpec([None, hid], tf.float32, name="c")}

        def initial_state(batch_size):
            zeros = tf.zeros(tf.stack([batch_size, hid]))
            return {"h": zeros, "c": zeros}

        def act(obs, state):
            batch = tf.shape(obs)[0]
            w = tf.broadcast_to(self.w, tf.concat([[batch], tf.shape(self.w)], 0))
            b = tf.broadcast_to(self.b, tf.concat([[batch], tf.shape(self.b)], 0))
            action, h, c = step(self.vision, self.memory, obs, w, b, state["h"], state["c"])
            return action, {"h": h, "c": c}

        self.initial_state = tf.function(
            initial_state, input_signature=[tf.TensorSpec([], tf.int32, name="batch_size")])
        self.act = tf.function(act, input_signature=[FRAMES_SPEC, state_spec])
        self.serve = tf.function(  # a flat signature for TF Serving
            lambda obs, h, c: _flatten(*act(obs, {"h": h, "c": c})),
            input_signature=[FRAMES_SPEC, state_spec["h"], state_spec["c"]])


def _flatten(action, state):
    return {"action": action, "h": state["h"], "c": state["c"]}


def export_agent(vision, memory, params: np.ndarray, path: str) -> None:
    agent = Agent(vision, memory, params)
    tf.saved_model.save(agent, path, signatures={"serving_default": agent.serve})

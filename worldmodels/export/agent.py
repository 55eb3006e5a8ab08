"""The shipped agent: V, M and C in one SavedModel, with the step the search used
(models.world_model.step), loadable with TensorFlow alone.

Its attributes `vision` and `memory` name V's and M's SavedModel modules inside it; they are
part of the artifact's format (its variables' checkpoint keys), so they stay as shipped.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from worldmodels.games import Game
from worldmodels.models import controller, world_model


class Agent(tf.Module):
    """The shipped agent: `initial_state(batch_size)` and `act(obs, state) -> (action, state)`;
    `act`'s screen shape tells which game it plays (games.by_screen)."""

    def __init__(self, vae, rnn, params: np.ndarray, game: Game):
        super().__init__(name="agent")
        self.vision, self.memory = vae, rnn
        z_size, hid = int(vae.z_size), int(rnn.hidden_units)
        w, b = controller.unflatten(params, z_size + hid, game.action_size)
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
            action, h, c = world_model.step(self.vision, self.memory, game, obs, w, b,
                                            state["h"], state["c"])
            return action, {"h": h, "c": c}

        self.initial_state = tf.function(
            initial_state, input_signature=[tf.TensorSpec([], tf.int32, name="batch_size")])
        frames = world_model.frames_spec(game)
        self.act = tf.function(act, input_signature=[frames, state_spec])
        self.serve = tf.function(  # a flat signature for TF Serving
            lambda obs, h, c: _flatten(*act(obs, {"h": h, "c": c})),
            input_signature=[frames, state_spec["h"], state_spec["c"]])


def _flatten(action, state):
    return {"action": action, "h": state["h"], "c": state["c"]}


def export_agent(vae, rnn, params: np.ndarray, game: Game, path: str) -> None:
    agent = Agent(vae, rnn, params, game)
    tf.saved_model.save(agent, path, signatures={"serving_default": agent.serve})

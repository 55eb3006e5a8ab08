"""The batched policy the episode loop drives with V and M: one controller per environment
(a CMA-ES population). An exported agent's is in engine/saved_agent.py."""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from worldmodels.games import Game
from worldmodels.models import controller, world_model


class WorldModel:
    """V and M playing `game`, with a compiled batched step taking one controller per row;
    build once per process (tracing costs seconds), then hand out PopulationPolicy objects."""

    def __init__(self, vae, rnn, game: Game):
        self.z_size = int(vae.z_size)
        self.hidden_units = int(rnn.hidden_units)
        self.action_size = game.action_size
        inputs, hid, a = self.z_size + self.hidden_units, self.hidden_units, game.action_size
        self.step = tf.function(
            lambda frames, w, b, h, c: world_model.step(vae, rnn, game, frames, w, b, h, c),
            input_signature=[world_model.frames_spec(game),
                             tf.TensorSpec([None, inputs, a], tf.float32),
                             tf.TensorSpec([None, a], tf.float32),
                             tf.TensorSpec([None, hid], tf.float32),
                             tf.TensorSpec([None, hid], tf.float32)])

    def policy(self, params: np.ndarray) -> "PopulationPolicy":
        return PopulationPolicy(self, params)


class PopulationPolicy:
    """C with the parameters `params[job.params_index]` in each slot, V and M shared."""

    def __init__(self, model: WorldModel, params: np.ndarray):
        self.model = model
        self.params = np.asarray(params, np.float32)

    def reset(self, slots: int) -> None:
        hid = self.model.hidden_units
        self.slot_params = np.zeros((slots, self.params.shape[-1]), np.float32)
        self.h = np.zeros((slots, hid), np.float32)
        self.c = np.zeros((slots, hid), np.float32)

    def begin(self, slot: int, job) -> None:
        self.slot_params[slot] = self.params[job.params_index]
        self.h[slot] = 0.0
        self.c[slot] = 0.0

    def act(self, frames: np.ndarray, slots) -> np.ndarray:
        w, b = controller.unflatten(self.slot_params[slots],
                                    self.model.z_size + self.model.hidden_units,
                                    self.model.action_size)
        action, h, c = self.model.step(np.asarray(frames), w, b, self.h[slots], self.c[slots])
        self.h[slots], self.c[slots] = h.numpy(), c.numpy()
        return action.numpy()

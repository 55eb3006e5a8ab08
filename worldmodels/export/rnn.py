"""M as a SavedModel: `step(z, action, h, c) -> {h, c, log_pi, mu, log_sigma[, reward,
done_logit]}` and `sequence(z[B,T,Z], action[B,T,3]) -> mixture per step`, what the search,
the dream, the agent and the report load."""
from __future__ import annotations

import tensorflow as tf

from worldmodels.models.mdnrnn import MDNRNN


class RNNServing(tf.Module):
    def __init__(self, rnn: MDNRNN):
        super().__init__(name="rnn")
        self.rnn = rnn
        self.z_size = tf.Variable(rnn.z_size, trainable=False, name="z_size")
        self.hidden_units = tf.Variable(rnn.hidden_units, trainable=False, name="hidden_units")
        z, a, hid = rnn.z_size, rnn.action_size, rnn.hidden_units

        def step(z, action, h, c):
            heads, (h2, c2) = rnn.step(z, action, (h, c))
            return {"h": h2, "c": c2, **heads}

        def sequence(z, action):
            heads, _ = rnn(z, action)
            return heads

        self.step = tf.function(step, input_signature=[
            tf.TensorSpec([None, z], tf.float32, name="z"),
            tf.TensorSpec([None, a], tf.float32, name="action"),
            tf.TensorSpec([None, hid], tf.float32, name="h"),
            tf.TensorSpec([None, hid], tf.float32, name="c")])
        self.sequence = tf.function(sequence, input_signature=[
            tf.TensorSpec([None, None, z], tf.float32, name="z"),
            tf.TensorSpec([None, None, a], tf.float32, name="action")])


def save_rnn(rnn: MDNRNN, path: str) -> None:
    module = RNNServing(rnn)
    tf.saved_model.save(module, path, signatures={"step": module.step, "sequence": module.sequence})

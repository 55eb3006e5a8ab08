"""SavedModels of V and M with explicit signatures, loadable with TensorFlow alone.

V: `encode(images float[B,64,64,3] in [0,1]) -> {mu, logvar}`, `decode(z) -> {images}`.
M: `step(z, action, h, c) -> {h, c, log_pi, mu, log_sigma[, reward, done_logit]}` and
`sequence(z[B,T,Z], action[B,T,3]) -> mixture per step`. These SavedModels are what later
stages (LatentTransform, ControllerSearch, the agent, reports) load.
"""
from __future__ import annotations

import tensorflow as tf

from worldmodels.models.mdnrnn import MDNRNN
from worldmodels.models.vae import ConvVAE


class VisionServing(tf.Module):
    def __init__(self, vae: ConvVAE):
        super().__init__(name="vision")
        self.vae = vae
        self.z_size = tf.Variable(vae.z_size, trainable=False, name="z_size")
        self.encode = tf.function(
            lambda images: dict(zip(("mu", "logvar"), vae.encode(images))),
            input_signature=[tf.TensorSpec([None, 64, 64, 3], tf.float32, name="images")])
        self.decode = tf.function(
            lambda z: {"images": vae.decode(z)},
            input_signature=[tf.TensorSpec([None, vae.z_size], tf.float32, name="z")])


class MemoryServing(tf.Module):
    def __init__(self, rnn: MDNRNN):
        super().__init__(name="memory")
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


def save_vision(vae: ConvVAE, path: str) -> None:
    module = VisionServing(vae)
    tf.saved_model.save(module, path, signatures={"encode": module.encode, "decode": module.decode})


def save_memory(rnn: MDNRNN, path: str) -> None:
    module = MemoryServing(rnn)
    tf.saved_model.save(module, path, signatures={"step": module.step, "sequence": module.sequence})


def load(path: str):
    """Loads a SavedModel, with a one-line error naming the path if it is not one."""
    if not tf.saved_model.contains_saved_model(path):
        raise FileNotFoundError(f"{path}: no SavedModel here")
    return tf.saved_model.load(path)

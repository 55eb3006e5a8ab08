"""V as a SavedModel: `encode(images float[B,64,64,3] in [0,1]) -> {mu, logvar}` and
`decode(z) -> {images}`, what LatentTransform, the agent and the report load."""
from __future__ import annotations

import tensorflow as tf

from worldmodels.models.vae import ConvVAE


class VAEServing(tf.Module):
    def __init__(self, vae: ConvVAE):
        super().__init__(name="vae")
        self.vae = vae
        self.z_size = tf.Variable(vae.z_size, trainable=False, name="z_size")
        self.encode = tf.function(
            lambda images: dict(zip(("mu", "logvar"), vae.encode(images))),
            input_signature=[tf.TensorSpec([None, 64, 64, 3], tf.float32, name="images")])
        self.decode = tf.function(
            lambda z: {"images": vae.decode(z)},
            input_signature=[tf.TensorSpec([None, vae.z_size], tf.float32, name="z")])


def save_vae(vae: ConvVAE, path: str) -> None:
    module = VAEServing(vae)
    tf.saved_model.save(module, path, signatures={"encode": module.encode, "decode": module.decode})

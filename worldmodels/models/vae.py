"""V: the paper's convolutional VAE (64x64x3 in [0, 1] -> z of 32), about 4.35 M parameters."""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

from worldmodels.precision import keras_policy


class DeconvFromVector(layers.Conv2DTranspose):
    """A Conv2DTranspose on a 1x1 input (V's first decoder layer), computed as the one matrix
    product it is: out[h, w, o] = sum_i x[i] * kernel[h, w, o, i] + bias[o].

    TensorFlow's CPU kernel for the transposed convolution is slow on some x86-64 CPUs (up to
    ~17 ms an image); the product runs at matmul speed everywhere. Only `call` changes: the
    variables, their names and initialisers are Conv2DTranspose's, so V checkpoints load."""

    def call(self, x):
        if x.shape[1] != 1 or x.shape[2] != 1:
            raise ValueError(f"{self.name}: expects a 1x1 input, got {x.shape}")
        k, channels = self.kernel_size[0], self.kernel.shape[-1]
        flat = tf.matmul(tf.reshape(x, [-1, channels]),
                         tf.reshape(self.kernel, [k * k * self.filters, channels]),
                         transpose_b=True)
        return self.activation(tf.reshape(flat, [-1, k, k, self.filters]) + self.bias)


class PatchConv2D(layers.Conv2D):
    """A valid-padding Conv2D that trains as image patches times the kernel matrix.

    On small feature maps with many channels (V's last two encoder convs), TensorFlow's CPU
    kernel for the kernel's gradient is several times slower than the matrix product it
    amounts to; in training (`training=True`) patches + matmul keep forward and backward at
    matmul speed. Inference has no backward pass and runs the stock kernel, faster than the
    patches (benchmarks/bench_agent_loop.py). Same variables, so checkpoints are unchanged."""

    def call(self, x, training=None):
        if not training:
            return super().call(x)
        k, s = self.kernel_size[0], self.strides[0]
        patches = tf.image.extract_patches(x, [1, k, k, 1], [1, s, s, 1], [1, 1, 1, 1], "VALID")
        out = tf.matmul(tf.reshape(patches, [-1, k * k * self.kernel.shape[2]]),
                        tf.reshape(self.kernel, [-1, self.filters]))
        shape = tf.shape(patches)
        out = tf.reshape(out, [shape[0], shape[1], shape[2], self.filters]) + self.bias
        return self.activation(out)


class ConvVAE(keras.Model):
    """Encoder: 4 convs (k4, s2, ReLU, 32/64/128/256) -> 1024 -> mu, logvar.
    Decoder: dense 1024 -> 1x1x1024 -> 4 deconvs (k5, 5, 6, 6, s2) -> sigmoid image.

    `precision` (worldmodels.precision): the convolutions and the decoder's dense layer
    compute in it; the mu and logvar heads, and every output, stay float32, so the loss, the
    KL and everything downstream see float32. The variables are float32 either way: a
    checkpoint loads in both precisions."""

    def __init__(self, z_size: int = 32, precision: str = "float32", **kwargs):
        super().__init__(**kwargs)
        self.z_size = z_size
        policy = keras_policy(precision)
        self.encoder = keras.Sequential([
            keras.Input((64, 64, 3)),
            layers.Conv2D(32, 4, strides=2, activation="relu", name="enc_conv1", dtype=policy),
            layers.Conv2D(64, 4, strides=2, activation="relu", name="enc_conv2", dtype=policy),
            PatchConv2D(128, 4, strides=2, activation="relu", name="enc_conv3", dtype=policy),
            PatchConv2D(256, 4, strides=2, activation="relu", name="enc_conv4", dtype=policy),
            layers.Flatten(dtype=policy),
        ], name="encoder")
        self.mu_head = layers.Dense(z_size, name="enc_mu")
        self.logvar_head = layers.Dense(z_size, name="enc_logvar")
        self.decoder = keras.Sequential([
            keras.Input((z_size,)),
            layers.Dense(1024, name="dec_fc", dtype=policy),
            layers.Reshape((1, 1, 1024), dtype=policy),
            DeconvFromVector(128, 5, strides=2, activation="relu", name="dec_deconv1",
                             dtype=policy),
            layers.Conv2DTranspose(64, 5, strides=2, activation="relu", name="dec_deconv2",
                                   dtype=policy),
            layers.Conv2DTranspose(32, 6, strides=2, activation="relu", name="dec_deconv3",
                                   dtype=policy),
            layers.Conv2DTranspose(3, 6, strides=2, activation="sigmoid", name="dec_deconv4",
                                   dtype=policy),
        ], name="decoder")
        self.build((None, 64, 64, 3))

    def build(self, input_shape):
        self.mu_head.build((None, 1024))
        self.logvar_head.build((None, 1024))
        super().build(input_shape)

    def encode(self, images):
        h = self.encoder(images)
        return self.mu_head(h), self.logvar_head(h)

    def decode(self, z):
        return tf.cast(self.decoder(z), tf.float32)

    def call(self, images, noise=None):
        """Returns (reconstruction, mu, logvar); `noise` is the N(0, 1) draw for z."""
        mu, logvar = self.encode(images)
        if noise is None:
            noise = tf.random.normal(tf.shape(mu))
        return self.decode(sample(mu, logvar, noise)), mu, logvar


def sample(mu, logvar, noise):
    """z from the posterior N(mu, exp(logvar)) given a N(0, 1) draw (the reparameterisation)."""
    return mu + tf.exp(logvar / 2.0) * noise


def kl_divergence(mu, logvar):
    """KL(N(mu, exp(logvar)) || N(0, 1)) per example, summed over dimensions."""
    return -0.5 * tf.reduce_sum(1.0 + logvar - tf.square(mu) - tf.exp(logvar), axis=-1)


def vae_loss(images, reconstruction, mu, logvar, kl_tolerance: float):
    """Per image: summed squared pixel error + KL floored at kl_tolerance * z; batch mean.

    Returns (total, reconstruction loss, KL loss) as scalars."""
    r_loss = tf.reduce_mean(tf.reduce_sum(tf.square(images - reconstruction), axis=[1, 2, 3]))
    z_size = tf.cast(tf.shape(mu)[-1], mu.dtype)
    kl_loss = tf.reduce_mean(tf.maximum(kl_divergence(mu, logvar), kl_tolerance * z_size))
    return r_loss + kl_loss, r_loss, kl_loss

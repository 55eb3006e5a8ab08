"""V as a VAE/GAN (Larsen et al. 2016): the reconstruction error is measured in a
discriminator's inner features instead of pixels, which gives sharper frames.

Same interface as ConvVAE (encode -> (mu, logvar), decode(z) -> images in [0, 1]), so the
exported V, LatentTransform, M, C and the agent work unchanged.
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers

from worldmodels.models.vae import kl_divergence


def _conv_block(filters: int, name: str, norm: bool = True) -> list:
    block = [layers.Conv2D(filters, 5, strides=2, padding="same", name=f"{name}_conv")]
    if norm:
        block.append(layers.BatchNormalization(name=f"{name}_bn"))
    block.append(layers.LeakyReLU(0.2, name=f"{name}_act"))
    return block


class VAEGAN(keras.Model):
    """Encoder: 3 convs (k5, s2, batch norm, LeakyReLU) -> mu, logvar. Generator: dense to
    8x8x256, 3 deconvs (k5, s2) to 64x64x3, sigmoid. Discriminator: convs to a logit, exposing
    its third block's activations as the "inner features" for the reconstruction error."""

    def __init__(self, z_size: int = 32, **kwargs):
        super().__init__(**kwargs)
        self.z_size = z_size
        self.encoder = keras.Sequential(
            [keras.Input((64, 64, 3))] + _conv_block(64, "enc1") + _conv_block(128, "enc2")
            + _conv_block(256, "enc3") + [layers.Flatten()], name="encoder")
        self.mu_head = layers.Dense(z_size, name="enc_mu")
        self.logvar_head = layers.Dense(z_size, name="enc_logvar")
        self.generator = keras.Sequential([
            keras.Input((z_size,)),
            layers.Dense(8 * 8 * 256, name="gen_fc"), layers.BatchNormalization(name="gen_fc_bn"),
            layers.ReLU(), layers.Reshape((8, 8, 256)),
            layers.Conv2DTranspose(128, 5, strides=2, padding="same", name="gen_deconv1"),
            layers.BatchNormalization(name="gen_bn1"), layers.ReLU(),
            layers.Conv2DTranspose(64, 5, strides=2, padding="same", name="gen_deconv2"),
            layers.BatchNormalization(name="gen_bn2"), layers.ReLU(),
            layers.Conv2DTranspose(3, 5, strides=2, padding="same", activation="sigmoid",
                                   name="gen_deconv3"),
        ], name="generator")
        self.disc_features = keras.Sequential(
            [keras.Input((64, 64, 3))] + _conv_block(32, "dis1", norm=False)
            + _conv_block(128, "dis2") + _conv_block(256, "dis3"), name="discriminator_features")
        self.disc_head = keras.Sequential([
            keras.Input((8, 8, 256)), *_conv_block(256, "dis4"), layers.Flatten(),
            layers.Dense(512, name="dis_fc"), layers.BatchNormalization(name="dis_fc_bn"),
            layers.LeakyReLU(0.2), layers.Dense(1, name="dis_logit"),
        ], name="discriminator_head")
        self.mu_head.build((None, 8 * 8 * 256))
        self.logvar_head.build((None, 8 * 8 * 256))
        self.built = True

    def encode(self, images, training=False):
        h = self.encoder(images, training=training)
        return self.mu_head(h), self.logvar_head(h)

    def decode(self, z, training=False):
        return self.generator(z, training=training)

    def discriminate(self, images, training=False):
        """(logit [B], inner features [B, 8, 8, 256])."""
        features = self.disc_features(images, training=training)
        return tf.squeeze(self.disc_head(features, training=training), -1), features

    @property
    def encoder_variables(self):
        return self.encoder.trainable_variables + self.mu_head.trainable_variables + \
            self.logvar_head.trainable_variables

    @property
    def generator_variables(self):
        return self.generator.trainable_variables

    @property
    def discriminator_variables(self):
        return self.disc_features.trainable_variables + self.disc_head.trainable_variables


def feature_error(real_features, fake_features):
    """Per image summed squared error in the discriminator's inner features; batch mean."""
    return tf.reduce_mean(tf.reduce_sum(tf.square(real_features - fake_features), axis=[1, 2, 3]))


def moment_matching(z, eps: float = 1e-6):
    """How far the batch of codes is from the prior's first two moments (mean 0, variance 1):
    the KL from N(0, 1) to a Gaussian with the batch's mean and variance, per dimension, summed.
    It grows linearly, not quadratically, in the variance, which keeps training stable."""
    mean, variance = tf.nn.moments(z, axes=[0])
    return 0.5 * tf.reduce_sum(variance + tf.square(mean) - 1.0 - tf.math.log(variance + eps))


def gan_loss(logits, real: bool):
    labels = tf.ones_like(logits) if real else tf.zeros_like(logits)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels, logits))


def encoder_loss(real_features, recon_features, mu, logvar, z,
                 kl_weight: float = 0.01, moment_weight: float = 0.1):
    """Inner-feature reconstruction error + 0.01 KL + 0.1 moment matching."""
    return (feature_error(real_features, recon_features)
            + kl_weight * tf.reduce_mean(kl_divergence(mu, logvar))
            + moment_weight * moment_matching(z))


def generator_loss(real_features, recon_features, recon_logits, prior_logits):
    """Inner-feature error minus the GAN loss, in the non-saturating form: the generator
    wants its reconstructions and its prior samples called real."""
    return (feature_error(real_features, recon_features)
            + gan_loss(recon_logits, True) + gan_loss(prior_logits, True))


def discriminator_loss(real_logits, recon_logits, prior_logits):
    """GAN loss over real, reconstructed and prior-sampled images."""
    return gan_loss(real_logits, True) + gan_loss(recon_logits, False) + gan_loss(prior_logits, False)

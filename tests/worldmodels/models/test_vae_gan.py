"""The VAE/GAN variant of V: shapes, the V interface, and each loss on hand-made inputs."""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from worldmodels.models import vae_gan


def test_keeps_the_v_interface():
    model = vae_gan.VAEGAN(32)
    images = tf.random.uniform((2, 64, 64, 3))
    mu, logvar = model.encode(images)
    assert mu.shape == logvar.shape == (2, 32)
    decoded = model.decode(mu)
    assert decoded.shape == (2, 64, 64, 3)
    assert float(tf.reduce_min(decoded)) >= 0.0 and float(tf.reduce_max(decoded)) <= 1.0
    logits, features = model.discriminate(images)
    assert logits.shape == (2,) and features.shape == (2, 8, 8, 256)
    owned = {id(v) for v in model.encoder_variables + model.generator_variables
             + model.discriminator_variables}
    assert owned == {id(v) for v in model.trainable_variables}  # three disjoint optimisers cover all


def test_feature_error_is_summed_per_image_and_averaged():
    real = tf.zeros((2, 8, 8, 256))
    fake = tf.concat([tf.fill((1, 8, 8, 256), 0.5), tf.fill((1, 8, 8, 256), 1.0)], 0)
    # image 1: 16384 * 0.25 = 4096; image 2: 16384 * 1 = 16384; mean 10240
    assert math.isclose(float(vae_gan.feature_error(real, fake)), 10240.0, rel_tol=1e-6)


def test_moment_matching_is_zero_at_the_prior_moments_and_counts_deviation():
    z = tf.constant([[1.0, -1.0], [-1.0, 1.0]])  # mean 0, variance 1 per dimension
    assert abs(float(vae_gan.moment_matching(z))) < 1e-5
    shifted = z + 2.0  # mean 2 per dim: 0.5 * (1 + 4 - 1 - 0) * 2 dims = 4
    assert math.isclose(float(vae_gan.moment_matching(shifted)), 4.0, rel_tol=1e-5)
    wide = z * 2.0  # variance 4: 0.5 * (4 - 1 - log 4) * 2 dims
    assert math.isclose(float(vae_gan.moment_matching(wide)), 3.0 - math.log(4.0), rel_tol=1e-5)


def test_gan_losses_match_binary_cross_entropy():
    logits = tf.constant([0.0, 2.0])
    bce_real = np.mean([math.log(2.0), math.log1p(math.exp(-2.0))])
    bce_fake = np.mean([math.log(2.0), math.log1p(math.exp(2.0))])
    assert math.isclose(float(vae_gan.gan_loss(logits, True)), bce_real, rel_tol=1e-6)
    assert math.isclose(float(vae_gan.gan_loss(logits, False)), bce_fake, rel_tol=1e-6)
    zero = tf.zeros(3)
    assert math.isclose(float(vae_gan.discriminator_loss(zero, zero, zero)), 3 * math.log(2.0),
                        rel_tol=1e-6)


def test_encoder_and_generator_losses_combine_their_parts():
    real, recon = tf.zeros((1, 8, 8, 256)), tf.fill((1, 8, 8, 256), 0.5)  # feature error 4096
    mu, logvar = tf.constant([[1.0, 0.0]]), tf.zeros((1, 2))  # KL = 0.5
    z = tf.constant([[1.0, -1.0], [-1.0, 1.0]])  # prior moments: moment term 0
    expected = 4096.0 + 0.01 * 0.5
    assert math.isclose(float(vae_gan.encoder_loss(real, recon, mu, logvar, z)), expected,
                        rel_tol=1e-5)
    zero = tf.zeros(1)
    assert math.isclose(float(vae_gan.generator_loss(real, recon, zero, zero)),
                        4096.0 + 2 * math.log(2.0), rel_tol=1e-6)

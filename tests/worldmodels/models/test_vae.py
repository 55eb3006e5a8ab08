"""V: the paper's parameter count and the loss on hand-made inputs."""
from __future__ import annotations

import math

import tensorflow as tf

from worldmodels.models.vae import ConvVAE, kl_divergence, vae_loss


def test_shapes_and_parameter_count():
    model = ConvVAE(32)
    assert model.count_params() == 4_348_547  # REFERENCE.md: about 4.35 M
    mu, logvar = model.encode(tf.zeros((2, 64, 64, 3)))
    assert mu.shape == logvar.shape == (2, 32)
    recon = model.decode(mu)
    assert recon.shape == (2, 64, 64, 3)


def test_loss_on_known_inputs():
    images = tf.zeros((2, 64, 64, 3))
    recon = tf.fill((2, 64, 64, 3), 0.5)
    zeros = tf.zeros((2, 32))
    total, r_loss, kl = vae_loss(images, recon, zeros, zeros, kl_tolerance=0.5)
    assert math.isclose(float(r_loss), 64 * 64 * 3 * 0.25, rel_tol=1e-6)  # 3072
    assert math.isclose(float(kl), 16.0, rel_tol=1e-6)  # KL 0 floored at 0.5 * 32
    assert math.isclose(float(total), 3088.0, rel_tol=1e-6)
    mu = tf.fill((2, 32), 2.0)  # KL = 0.5 * 32 * 4 = 64
    assert math.isclose(float(kl_divergence(mu, zeros)[0]), 64.0, rel_tol=1e-6)
    _, _, kl_big = vae_loss(images, recon, mu, zeros, kl_tolerance=0.5)
    assert math.isclose(float(kl_big), 64.0, rel_tol=1e-6)
    logvar = tf.fill((1, 32), math.log(2.0))  # KL = -0.5 * 32 * (1 + ln 2 - 2)
    assert math.isclose(float(kl_divergence(tf.zeros((1, 32)), logvar)[0]),
                        -16.0 * (math.log(2.0) - 1.0), rel_tol=1e-5)

"""V: the paper's parameter count and the loss on hand-made inputs."""
from __future__ import annotations

import math

import tensorflow as tf

from worldmodels.models.vae import ConvVAE, kl_divergence, vae_loss


def test_shapes_and_parameter_count():
    model = ConvVAE(32)
    assert model.count_params() == 4_348_547  # the paper's V: about 4.35 M
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


def test_deconv_from_vector_equals_conv2d_transpose():
    """The first decoder layer as one matrix product gives Conv2DTranspose's output."""
    from keras import layers

    from worldmodels.models.vae import DeconvFromVector

    x = tf.random.stateless_normal((5, 1, 1, 1024), seed=(1, 2))
    stock = layers.Conv2DTranspose(128, 5, strides=2, activation="relu")
    ours = DeconvFromVector(128, 5, strides=2, activation="relu")
    stock.build((None, 1, 1, 1024))
    ours.build((None, 1, 1, 1024))
    assert ours.kernel.shape == stock.kernel.shape and ours.bias.shape == stock.bias.shape
    stock.bias.assign(tf.random.stateless_normal((128,), seed=(3, 4)))
    ours.kernel.assign(stock.kernel)
    ours.bias.assign(stock.bias)
    assert float(tf.reduce_max(tf.abs(ours(x) - stock(x)))) < 1e-5


def test_patch_conv_equals_conv2d_forward_and_backward():
    from keras import layers

    from worldmodels.models.vae import PatchConv2D

    x = tf.random.stateless_normal((3, 14, 14, 64), seed=(5, 6))
    stock = layers.Conv2D(128, 4, strides=2, activation="relu")
    ours = PatchConv2D(128, 4, strides=2, activation="relu")
    stock.build(x.shape)
    ours.build(x.shape)
    stock.bias.assign(tf.random.stateless_normal((128,), seed=(7, 8)))
    ours.kernel.assign(stock.kernel)
    ours.bias.assign(stock.bias)
    grads = []
    for layer in (stock, ours):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = layer(x, training=True)
            loss = tf.reduce_sum(y * y)
        grads.append((y, *tape.gradient(loss, [x, layer.kernel])))
    for a, b in zip(*grads):
        assert float(tf.reduce_max(tf.abs(a - b))) <= 1e-4 * float(tf.reduce_max(tf.abs(a)))


def test_v_trains_on_patches_and_infers_with_the_stock_kernel():
    """The training pass (V's train step) runs PatchConv2D's patches; encoding frames (the
    SavedModel's encode, the search's loop) runs the stock forward kernel, same values."""
    model = ConvVAE(32)
    images = tf.random.stateless_uniform((2, 64, 64, 3), seed=(1, 2))
    noise = tf.zeros((2, 32))

    def op_types(fn, *args):
        graph = tf.function(fn).get_concrete_function(*args).graph
        return {op.type for op in graph.get_operations()}

    assert "ExtractImagePatches" in op_types(lambda x, n: model(x, n, training=True), images, noise)
    assert "ExtractImagePatches" not in op_types(lambda x: model.encode(x), images)
    trained = model(images, noise, training=True)
    inferred = model(images, noise)
    for a, b in zip(trained, inferred):
        assert float(tf.reduce_max(tf.abs(a - b))) < 1e-5


def test_checkpoint_of_the_stock_layers_loads(tmp_path):
    """A V checkpoint written with Conv2D/Conv2DTranspose layers restores into ConvVAE."""
    import keras
    import numpy as np
    from keras import layers

    stock_decoder = keras.Sequential([
        keras.Input((32,)), layers.Dense(1024, name="dec_fc"), layers.Reshape((1, 1, 1024)),
        layers.Conv2DTranspose(128, 5, strides=2, activation="relu", name="dec_deconv1"),
        layers.Conv2DTranspose(64, 5, strides=2, activation="relu", name="dec_deconv2"),
        layers.Conv2DTranspose(32, 6, strides=2, activation="relu", name="dec_deconv3"),
        layers.Conv2DTranspose(3, 6, strides=2, activation="sigmoid", name="dec_deconv4")])
    for v in stock_decoder.weights:
        v.assign(tf.random.stateless_normal(v.shape, seed=(9, len(v.name))) * 0.05)
    path = tf.train.Checkpoint(decoder=stock_decoder).write(str(tmp_path / "ckpt"))
    model = ConvVAE(32)
    tf.train.Checkpoint(decoder=model.decoder).read(path).assert_existing_objects_matched()
    z = tf.random.stateless_normal((4, 32), seed=(10, 11))
    np.testing.assert_allclose(model.decode(z).numpy(), stock_decoder(z).numpy(), atol=1e-5)


def test_the_kl_and_the_posterior_sample_are_written_once():
    """models/vae.py defines them; V's training, its evaluation, the VAE/GAN and M's
    training import them (a second copy once drifted unnoticed: Z's exp(logvar) bug)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[3] / "worldmodels"
    pattern = re.compile(r"tf\.exp\(\s*logvar|\b1(\.0)? \+ logvar")
    where = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if pattern.search(p.read_text()))
    assert where == ["models/vae.py"]

"""M: the mixture NLL against a direct numpy computation, masking, step == sequence, and
sampling at a temperature."""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from worldmodels.models.mdnrnn import (
    MDNRNN,
    dropout_mask,
    mdn_loss,
    mixture_log_prob,
    sample_mixture,
)


def numpy_nll(target, log_pi, mu, log_sigma):
    """Mean over dims of -log sum_k pi_k N(x; mu_k, sigma_k), written out term by term."""
    b, t, z, k = mu.shape
    out = np.zeros((b, t))
    for i in range(b):
        for j in range(t):
            total = 0.0
            for d in range(z):
                p = sum(math.exp(log_pi[i, j, d, c]) / (math.sqrt(2 * math.pi) * math.exp(log_sigma[i, j, d, c]))
                        * math.exp(-0.5 * ((target[i, j, d] - mu[i, j, d, c]) / math.exp(log_sigma[i, j, d, c])) ** 2)
                        for c in range(k))
                total += -math.log(p)
            out[i, j] = total / z
    return out


def test_outputs_and_parameters():
    model = MDNRNN()
    heads, (h, c) = model(tf.zeros((2, 7, 32)), tf.zeros((2, 7, 3)))
    assert heads["mu"].shape == heads["log_pi"].shape == heads["log_sigma"].shape == (2, 7, 32, 5)
    np.testing.assert_allclose(tf.reduce_sum(tf.exp(heads["log_pi"]), -1).numpy(), 1.0, rtol=1e-5)
    assert h.shape == c.shape == (2, 256)
    assert model.mdn.units == 32 * 5 * 3  # 480 outputs, as H and Z
    assert "reward" not in heads and "done_logit" not in heads
    with_heads, _ = MDNRNN(reward_head=True, done_head=True)(tf.zeros((1, 2, 32)), tf.zeros((1, 2, 3)))
    assert with_heads["reward"].shape == with_heads["done_logit"].shape == (1, 2)


def test_nll_matches_numpy_and_masks_later_steps():
    rng = np.random.default_rng(0)
    shape = (2, 3, 4, 5)
    logits = rng.normal(size=shape)
    log_pi = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    mu, log_sigma = rng.normal(size=shape), rng.normal(scale=0.3, size=shape)
    target = rng.normal(size=shape[:3])
    expected = numpy_nll(target, log_pi, mu, log_sigma)
    got = -tf.reduce_mean(mixture_log_prob(*(tf.constant(x, tf.float32) for x in (target, log_pi, mu, log_sigma))), -1)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5)
    heads = {"log_pi": tf.constant(log_pi, tf.float32), "mu": tf.constant(mu, tf.float32),
             "log_sigma": tf.constant(log_sigma, tf.float32)}
    mask = np.array([[1, 1, 0], [1, 0, 0]], np.float32)
    total, parts = mdn_loss(tf.constant(target, tf.float32), heads, mask)
    want = (expected * mask).sum() / mask.sum()
    assert math.isclose(float(total), want, rel_tol=1e-5) and float(parts["nll"]) == float(total)
    moved = target.copy()
    moved[0, 2] += 100.0  # a masked step changes nothing
    total2, _ = mdn_loss(tf.constant(moved, tf.float32), heads, mask)
    assert float(total2) == float(total)


def test_done_loss_weighs_episode_ends_only():
    """An end weighs done_weight times a survived step (H's restart factor), so the weight moves
    the head's 0.5 threshold towards earlier warnings; survived steps keep weight 1."""
    zeros = tf.zeros((1, 3, 2, 1))
    heads = {"log_pi": zeros, "mu": zeros, "log_sigma": zeros,
             "done_logit": tf.constant([[0.5, -1.0, 2.0]])}
    done, mask = np.array([[0.0, 0.0, 1.0]], np.float32), np.ones((1, 3), np.float32)
    _, parts = mdn_loss(tf.zeros((1, 3, 2)), heads, mask, done=done, done_weight=10.0)
    softplus = lambda x: math.log1p(math.exp(x))
    want = (softplus(0.5) + softplus(-1.0) + 10.0 * softplus(-2.0)) / 3
    assert math.isclose(float(parts["done_xent"]), want, rel_tol=1e-5)


def test_done_probability_takes_the_weight_back_out():
    """Trained with ends weighing w, the head's logit is log(w p / (1 - p)): p comes back."""
    model = MDNRNN(z_size=4, hidden_units=8, done_head=True, done_weight=10.0)
    model.done.kernel.assign(np.zeros((8, 1), np.float32))
    model.done.bias.assign([math.log(10.0 * 0.02 / 0.98)])
    heads, _ = model(tf.zeros((1, 2, 4)), tf.zeros((1, 2, 3)))
    np.testing.assert_allclose(heads["done_probability"].numpy(), 0.02, rtol=1e-5)


def test_step_unrolled_equals_the_sequence():
    model = MDNRNN(hidden_units=16)
    z = tf.random.normal((2, 5, 32), seed=1)
    a = tf.random.normal((2, 5, 3), seed=2)
    heads, (h_seq, c_seq) = model(z, a)
    state = (tf.zeros((2, 16)), tf.zeros((2, 16)))
    for t in range(5):
        step_heads, state = model.step(z[:, t], a[:, t], state)
        np.testing.assert_allclose(step_heads["mu"].numpy(), heads["mu"][:, t].numpy(), atol=1e-5)
    np.testing.assert_allclose(state[0].numpy(), h_seq.numpy(), atol=1e-5)
    np.testing.assert_allclose(state[1].numpy(), c_seq.numpy(), atol=1e-5)


def test_dropout_keeps_one_mask_per_sequence_on_z_and_the_fed_back_state():
    """Dropout's Dream Land's training: the sequence equals a step-by-step unroll with the z
    input and the recurrent state fed back multiplied by masks fixed for the whole sequence;
    at rate 0 it is the plain LSTM; the masks come from the seed alone."""
    model = MDNRNN(z_size=6, hidden_units=16, done_head=True)
    z = tf.random.normal((3, 7, 6), seed=1)
    a = tf.random.normal((3, 7, 3), seed=2)
    seed = tf.constant([5, 9], tf.int64)
    plain, _ = model(z, a)
    rate0, _ = model.dropped(z, a, 0.0, seed)
    np.testing.assert_allclose(rate0["mu"].numpy(), plain["mu"].numpy(), atol=1e-5)
    dropped, (h_end, _) = model.dropped(z, a, 0.5, seed)
    keep_z = dropout_mask(tf.random.stateless_uniform([3, 6], seed), 0.5)
    keep_h = dropout_mask(tf.random.stateless_uniform([3, 16], seed + 1), 0.5)
    assert set(np.unique(keep_z.numpy())) == {0.0, 2.0}
    state = (tf.zeros((3, 16)), tf.zeros((3, 16)))
    for t in range(7):
        heads, state = model.step(z[:, t] * keep_z, a[:, t], (state[0] * keep_h, state[1]))
        np.testing.assert_allclose(heads["done_logit"].numpy(),
                                   dropped["done_logit"][:, t].numpy(), atol=1e-5)
    np.testing.assert_allclose(state[0].numpy(), h_end.numpy(), atol=1e-5)
    again, _ = model.dropped(z, a, 0.5, seed)
    np.testing.assert_array_equal(again["mu"].numpy(), dropped["mu"].numpy())


def test_sample_follows_the_temperature():
    n = 40_000
    log_pi = tf.math.log(tf.constant([[[0.8, 0.2]]] * n))
    mu = tf.constant([[[-1.0, 1.0]]] * n)
    log_sigma = tf.math.log(tf.constant([[[0.1, 0.1]]] * n))
    rng = np.random.default_rng(0)
    uniform = rng.random((n, 1), np.float32)
    normal = rng.standard_normal((n, 1)).astype(np.float32)
    cold = sample_mixture(log_pi, mu, log_sigma, uniform, normal, 1.0).numpy()
    assert abs((cold > 0).mean() - 0.2) < 0.01
    assert abs(cold[cold < 0].std() - 0.1) < 0.005
    hot = sample_mixture(log_pi, mu, log_sigma, uniform, normal, 2.0).numpy()
    p_hot = 0.2 ** 0.5 / (0.8 ** 0.5 + 0.2 ** 0.5)  # pi^(1/tau), renormalised
    assert abs((hot > 0).mean() - p_hot) < 0.01
    assert abs(hot[hot < 0].std() - 0.1 * 2 ** 0.5) < 0.007

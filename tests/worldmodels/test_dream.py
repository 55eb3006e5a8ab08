"""Dreams: the batched rollout equals one dream at a time with the same seeds, the mixture
sample follows its temperature, and initial latents come from the episodes' first frames."""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from worldmodels import dream, serving
from worldmodels.models import controller
from worldmodels.models.mdnrnn import MDNRNN

Z, HIDDEN = 8, 16


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    tf.keras.utils.set_random_seed(3)
    path = str(tmp_path_factory.mktemp("memory"))
    serving.save_memory(MDNRNN(z_size=Z, hidden_units=HIDDEN, mixtures=3, reward_head=True,
                               done_head=True), path)
    return dream.DreamPolicy(serving.load(path))


def test_batched_dreams_equal_one_at_a_time(policy):
    rng = np.random.default_rng(0)
    params = rng.normal(0, 0.5, (6, controller.parameter_count(Z, HIDDEN))).astype(np.float32)
    starts = rng.normal(size=(5, Z)).astype(np.float32)
    seeds = [100, 101, 102, 100, 101, 102]
    steps = dream.CHUNK_STEPS + 30  # crosses a chunk boundary
    batched = policy.returns(params, seeds, starts, steps, 1.15)
    alone = [policy.returns(params[i:i + 1], seeds[i:i + 1], starts, steps, 1.15)[0]
             for i in range(len(seeds))]
    np.testing.assert_allclose(batched, alone, rtol=0, atol=1e-4)
    assert len(set(np.round(batched, 3))) == 6  # every candidate and seed dreams its own way
    again = policy.returns(params[::-1], seeds[::-1], starts, steps, 1.15)[::-1]
    np.testing.assert_allclose(again, batched, rtol=0, atol=1e-4)  # order does not matter


def test_dream_ends_at_predicted_done(policy):
    params = np.zeros((2, controller.parameter_count(Z, HIDDEN)), np.float32)
    starts = np.zeros((1, Z), np.float32)
    done_bias = policy.memory.rnn.done.bias
    saved = done_bias.numpy()
    try:
        done_bias.assign([50.0])  # done after the first step, for sure
        short = policy.returns(params, [1, 2], starts, 50, 1.0)
    finally:
        done_bias.assign(saved)
    first_reward = policy.returns(params, [1, 2], starts, 1, 1.0)
    np.testing.assert_allclose(short, first_reward, atol=1e-5)


def test_sample_follows_the_temperature():
    n = 40_000
    log_pi = tf.math.log(tf.constant([[[0.8, 0.2]]] * n))
    mu = tf.constant([[[-1.0, 1.0]]] * n)
    log_sigma = tf.math.log(tf.constant([[[0.1, 0.1]]] * n))
    rng = np.random.default_rng(0)
    uniform = rng.random((n, 1), np.float32)
    normal = rng.standard_normal((n, 1)).astype(np.float32)
    cold = dream.sample_mixture(log_pi, mu, log_sigma, uniform, normal, 1.0).numpy()
    assert abs((cold > 0).mean() - 0.2) < 0.01
    assert abs(cold[cold < 0].std() - 0.1) < 0.005
    hot = dream.sample_mixture(log_pi, mu, log_sigma, uniform, normal, 2.0).numpy()
    p_hot = 0.2 ** 0.5 / (0.8 ** 0.5 + 0.2 ** 0.5)  # pi^(1/tau), renormalised
    assert abs((hot > 0).mean() - p_hot) < 0.01
    assert abs(hot[hot < 0].std() - 0.1 * 2 ** 0.5) < 0.007

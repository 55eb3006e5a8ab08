"""Dreams: the batched rollout equals one dream at a time with the same seeds, ends at the
predicted done, and starts at the episodes' first frames or branches off real states."""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from tests.worldmodels.fakes import write_latents
from worldmodels.data import rlds
from worldmodels.engine import dream
from worldmodels.games import CAR_RACING_GAME, TAKE_COVER_GAME
from worldmodels.export import serving
from worldmodels.export.rnn import save_rnn
from worldmodels.models import controller
from worldmodels.models.mdnrnn import MDNRNN

Z, HIDDEN = 8, 16


def no_state(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.zeros((n, HIDDEN), np.float32), np.zeros((n, HIDDEN), np.float32)


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    tf.keras.utils.set_random_seed(3)
    path = str(tmp_path_factory.mktemp("rnn"))
    save_rnn(MDNRNN(z_size=Z, hidden_units=HIDDEN, mixtures=3, reward_head=True,
                               done_head=True), path)
    return dream.DreamPolicy(serving.load(path), CAR_RACING_GAME)


def test_batched_dreams_equal_one_at_a_time(policy):
    rng = np.random.default_rng(0)
    params = rng.normal(0, 0.5, (6, controller.parameter_count(Z, HIDDEN))).astype(np.float32)
    starts = dream.Starts(rng.normal(size=(5, Z)).astype(np.float32),
                          *(rng.normal(0, 0.3, (5, HIDDEN)).astype(np.float32) for _ in "hc"))
    seeds = [100, 101, 102, 100, 101, 102]
    steps = dream.CHUNK_STEPS + 30  # crosses a chunk boundary
    batched = policy.returns(params, seeds, starts, steps, 1.15)
    alone = [policy.returns(params[i:i + 1], seeds[i:i + 1], starts, steps, 1.15)[0]
             for i in range(len(seeds))]
    np.testing.assert_allclose(batched, alone, rtol=0, atol=1e-4)
    assert len(set(np.round(batched, 3))) == 6  # every candidate and seed dreams its own way
    again = policy.returns(params[::-1], seeds[::-1], starts, steps, 1.15)[::-1]
    np.testing.assert_allclose(again, batched, rtol=0, atol=1e-4)  # order does not matter


def test_dreams_that_end_leave_the_batch_without_changing_the_others(tmp_path):
    """Ended dreams are dropped between chunks: each dream's length (its return, a survival
    game's) is what it would be alone."""
    tf.keras.utils.set_random_seed(4)
    rnn = MDNRNN(z_size=Z, action_size=1, hidden_units=HIDDEN, mixtures=3, done_head=True)
    rnn.done.kernel.assign(np.random.default_rng(0).normal(0, 3, (HIDDEN, 1)))
    rnn.done.bias.assign([-4.0])  # ends now and then
    save_rnn(rnn, str(tmp_path))
    survival = dream.DreamPolicy(serving.load(str(tmp_path)), TAKE_COVER_GAME)
    rng = np.random.default_rng(1)
    params = rng.normal(0, 0.5, (8, controller.parameter_count(Z, HIDDEN, 1))).astype(np.float32)
    starts = dream.Starts(rng.normal(size=(5, Z)).astype(np.float32), *no_state(5))
    seeds, steps = list(range(200, 208)), 3 * dream.CHUNK_STEPS
    batched, lengths = survival.play(params, seeds, starts, steps, 1.15)
    np.testing.assert_array_equal(lengths, batched)  # one point a step survived
    alone = [survival.returns(params[i:i + 1], seeds[i:i + 1], starts, steps, 1.15)[0]
             for i in range(len(seeds))]
    np.testing.assert_array_equal(batched, alone)
    assert batched.min() < dream.CHUNK_STEPS and batched.max() > dream.CHUNK_STEPS, batched


def test_dream_dropout_gives_each_dream_its_own_mask(policy):
    """Dropout's Dream Land: at rate 0 the dream is unchanged; at a rate each dream (its seed)
    keeps one mask, the same whichever dreams share its batch."""
    rng = np.random.default_rng(2)
    params = rng.normal(0, 0.5, (4, controller.parameter_count(Z, HIDDEN))).astype(np.float32)
    starts = dream.Starts(rng.normal(size=(3, Z)).astype(np.float32), *no_state(3))
    seeds = [300, 301, 302, 303]
    plain = policy.returns(params, seeds, starts, 40, 1.0)
    np.testing.assert_array_equal(policy.returns(params, seeds, starts, 40, 1.0, 0.0), plain)
    dropped = policy.returns(params, seeds, starts, 40, 1.0, 0.3)
    assert (np.abs(dropped - plain) > 1e-3).all()
    alone = [policy.returns(params[i:i + 1], seeds[i:i + 1], starts, 40, 1.0, 0.3)[0]
             for i in range(len(seeds))]
    np.testing.assert_allclose(dropped, alone, rtol=0, atol=1e-4)


def test_sampled_ends_come_at_m_s_probability_of_the_end(tmp_path):
    """ends="sampled": a dream ends at each step with M's done probability, so with the done
    head fixed at p its lengths are geometric with mean 1 / p; threshold ends never come at
    p < 0.5."""
    weight, p = 10.0, 0.02
    tf.keras.utils.set_random_seed(5)
    rnn = MDNRNN(z_size=Z, action_size=1, hidden_units=HIDDEN, mixtures=3, done_head=True,
                 done_weight=weight)
    rnn.done.kernel.assign(np.zeros((HIDDEN, 1), np.float32))
    rnn.done.bias.assign([np.log(p / (1 - p)) + np.log(weight)])  # the head trained x weight
    save_rnn(rnn, str(tmp_path))
    loaded = serving.load(str(tmp_path))
    params = np.zeros((1000, controller.parameter_count(Z, HIDDEN, 1)), np.float32)
    starts = dream.Starts(np.zeros((1, Z), np.float32), *no_state(1))
    sampled = dream.DreamPolicy(loaded, TAKE_COVER_GAME, ends="sampled")
    lengths = sampled.play(params, list(range(1000)), starts, 2000, 1.0)[1]
    assert abs(lengths.mean() - 1 / p) < 4 * np.sqrt(1 - p) / p / np.sqrt(1000), lengths.mean()
    threshold = dream.DreamPolicy(loaded, TAKE_COVER_GAME)
    assert (threshold.play(params[:4], [1, 2, 3, 4], starts, 300, 1.0)[1] == 300).all()


def test_dream_ends_at_predicted_done(policy):
    params = np.zeros((2, controller.parameter_count(Z, HIDDEN)), np.float32)
    starts = dream.Starts(np.zeros((1, Z), np.float32), *no_state(1))
    done_bias = policy.rnn.rnn.done.bias
    saved = done_bias.numpy()
    try:
        done_bias.assign([50.0])  # done after the first step, for sure
        short = policy.returns(params, [1, 2], starts, 50, 1.0)
    finally:
        done_bias.assign(saved)
    first_reward = policy.returns(params, [1, 2], starts, 1, 1.0)
    np.testing.assert_allclose(short, first_reward, atol=1e-5)


def test_starts_at_first_frames_or_branching_off_real_states(tmp_path):
    """every=0: the episodes' first mu with M's zero state; every=4 on a 12-transition
    episode: steps 0, 4 and 8, each with M's state after the real steps before it."""
    tf.keras.utils.set_random_seed(5)
    path, latents = str(tmp_path / "rnn"), str(tmp_path / "latents")
    save_rnn(MDNRNN(z_size=32, hidden_units=HIDDEN, mixtures=2, reward_head=True), path)
    rnn = serving.load(path)
    write_latents(latents)
    episode = next(iter(rlds.open_dataset(latents).as_dataset(split="train")))
    steps = episode["steps"].batch(100).get_single_element()
    mu, action = steps["observation"]["mu"].numpy(), steps["action"].numpy()
    first = dream.dream_starts(latents, rnn)
    np.testing.assert_array_equal(first.z, mu[:1])
    assert not first.h.any() and not first.c.any()
    branched = dream.dream_starts(latents, rnn, every=4)
    np.testing.assert_array_equal(branched.z, mu[[0, 4, 8]])
    h = c = np.zeros((1, HIDDEN), np.float32)
    for t in range(8):
        if t == 4:
            np.testing.assert_allclose(branched.h[1:2], h, atol=1e-6)
            np.testing.assert_allclose(branched.c[1:2], c, atol=1e-6)
        out = rnn.step(mu[t:t + 1], action[t:t + 1], h, c)
        h, c = out["h"].numpy(), out["c"].numpy()
    np.testing.assert_allclose(branched.h[2:3], h, atol=1e-6)

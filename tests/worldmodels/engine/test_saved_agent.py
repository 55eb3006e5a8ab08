"""A later round's agent explores around what it does: noise on its actions, seeded per
episode, made valid actions of the game again."""
from __future__ import annotations

import numpy as np

from worldmodels.engine.episodes import Job
from worldmodels.engine.saved_agent import NoisyPolicy, valid_actions
from worldmodels.games import CAR_RACING_GAME, TAKE_COVER_GAME


class Constant:
    """A batched policy acting `action` in every slot."""

    def __init__(self, action):
        self.action = np.asarray(action, np.float32)

    def reset(self, slots):
        self.slots = slots

    def begin(self, slot, job):
        pass

    def act(self, frames, slots):
        count = len(range(self.slots)[slots]) if isinstance(slots, slice) else len(slots)
        return np.tile(self.action, (count, 1))


def noisy_actions(policy, seeds, steps=3):
    policy.reset(len(seeds))
    for slot, seed in enumerate(seeds):
        policy.begin(slot, Job(0, seed))
    frames = np.zeros((len(seeds), 4, 4, 3), np.uint8)
    return np.stack([policy.act(frames, slice(None)) for _ in range(steps)])


def test_noise_is_seeded_by_the_episode_and_clipped_to_car_racing_s_bounds():
    policy = NoisyPolicy(Constant([0.0, 0.5, 0.0]), 0.3, CAR_RACING_GAME)
    first, again = noisy_actions(policy, [11, 12]), noisy_actions(policy, [11, 12])
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[:, 0], first[:, 1])  # each episode its own noise
    assert first[..., 0].std() > 0 and first[..., 1].std() > 0
    assert (first[..., 2] >= 0).all() and (first[..., 1:] <= 1).all()  # brake 0 - noise >= 0
    assert first.dtype == np.float32
    # the same episode seed in another slot gets the same noise
    swapped = noisy_actions(policy, [12, 11])
    np.testing.assert_array_equal(swapped[:, 0], first[:, 1])


def test_without_noise_the_agent_acts_as_it_is():
    policy = NoisyPolicy(Constant([0.25, 0.5, 0.125]), 0.0, CAR_RACING_GAME)
    np.testing.assert_array_equal(noisy_actions(policy, [1])[:, 0],
                                  np.tile([[0.25, 0.5, 0.125]], (3, 1)))


def test_take_cover_actions_stay_left_stay_or_right():
    actions = noisy_actions(NoisyPolicy(Constant([1.0]), 0.8, TAKE_COVER_GAME), range(20), 5)
    assert set(np.unique(actions)) <= {-1.0, 0.0, 1.0} and len(np.unique(actions)) > 1
    np.testing.assert_array_equal(valid_actions(np.array([[0.2], [-0.5], [0.9]], np.float32),
                                                TAKE_COVER_GAME), [[0.0], [-1.0], [1.0]])

"""Dream fidelity's parts: which controllers are compared, and when M's dream cannot score."""
from __future__ import annotations

import numpy as np

from worldmodels.engine import fidelity
from worldmodels.export import serving
from worldmodels.games import CAR_RACING_GAME, TAKE_COVER_GAME


def test_half_the_controllers_are_the_search_s_means_spread_to_its_last_half_random():
    means = np.arange(5, dtype=np.float32)[:, None] * np.ones((5, 3), np.float32)
    controllers, kinds = fidelity.controllers_to_compare(means, 5, 0.1, seed=7)
    assert kinds == ["search"] * 3 + ["random"] * 2
    np.testing.assert_array_equal(controllers[:3, 0], [0.0, 2.0, 4.0])  # first, middle, last
    again, _ = fidelity.controllers_to_compare(means, 5, 0.1, seed=7)
    np.testing.assert_array_equal(again, controllers)  # seeded
    assert 0 < np.abs(controllers[3:]).max() < 1.0 and controllers.dtype == np.float32
    one, kinds = fidelity.controllers_to_compare(means[-1:], 4, 0.1, seed=7)
    assert kinds == ["search", "random", "random", "random"]  # fewer means than half
    np.testing.assert_array_equal(one[0], means[-1])


def test_a_dream_that_cannot_score_says_why(untrained_model_dirs):
    rnn = serving.load(untrained_model_dirs[1])  # no reward or done head
    assert fidelity.can_dream_scores(rnn, CAR_RACING_GAME) == (
        "M has no reward head: every dream returns 0")
    assert fidelity.can_dream_scores(rnn, TAKE_COVER_GAME) == (
        "M has no done head: a dream never ends")

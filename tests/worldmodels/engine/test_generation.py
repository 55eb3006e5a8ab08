"""One search generation: its tracks come from the generation's own block of the search's
seeds, its candidates are ranked within their track groups, and an evaluated mean is kept
for the hand-on rule."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels import config, seeds
from worldmodels.engine import generation
from worldmodels.training import cmaes


class TrackScorer:
    """A job's return is its seed's last digit plus the candidate's first parameter x 100."""

    def __init__(self):
        self.steps, self.calls = 0, []

    def score(self, params, jobs):
        self.calls.append([(j.params_index, j.seed, j.patience) for j in jobs])
        self.steps += len(jobs)
        return np.array([j.seed % 10 + 100 * params[j.params_index][0] for j in jobs], np.float64)


def test_each_generation_plays_its_groups_tracks_from_its_own_block():
    plain = config.TINY.controller
    assert generation.track_seeds(0, plain, 2) == seeds.seeds(0, "search", 2, 1)
    grouped = config.with_overrides(config.TINY, ["controller.track_groups=2",
                                                  "controller.episodes_per_candidate=2"])
    assert grouped.controller.population == 4
    assert generation.track_seeds(0, grouped.controller, 1) == seeds.seeds(0, "search", 4, 4)
    # a shared stride: every setting plays generation g from the same block
    assert generation.track_seeds(0, plain, 2, stride=16) == seeds.seeds(0, "search", 32, 1)
    with pytest.raises(ValueError, match="4 tracks a generation: at most 3 are shared"):
        generation.track_seeds(0, grouped.controller, 0, stride=3)


def test_a_generation_plays_each_group_on_its_tracks_and_ranks_within_the_group():
    search = cmaes.CMASearch(dim=3, sigma0=0.1, population=4, seed=0)
    scorer = TrackScorer()
    stats, jobs = generation.play(search, scorer, [11, 12], patience=60, groups=2)
    assert scorer.calls == [[(0, 11, 60), (1, 11, 60), (2, 12, 60), (3, 12, 60)]]
    assert [(j.params_index, j.seed) for j in jobs] == [(0, 11), (1, 11), (2, 12), (3, 12)]
    # the same strategy told by hand: the returns in the history, the centred ones ranked
    by_hand = cmaes.CMASearch(dim=3, sigma0=0.1, population=4, seed=0)
    candidates = by_hand.ask()
    returns = np.array([1, 1, 2, 2]) + 100 * candidates[:, 0]
    centred = returns - np.repeat([returns[:2].mean(), returns[2:].mean()], 2)
    expected = by_hand.tell(candidates, returns, 0.0, fitness=centred)
    assert (stats.generation, stats.best, stats.mean, stats.worst) == (
        0, expected.best, expected.mean, expected.worst)
    np.testing.assert_array_equal(search.mean_params(), by_hand.mean_params())


def test_an_evaluated_mean_is_recorded_and_kept_for_the_hand_on_rule():
    search = cmaes.CMASearch(dim=3, sigma0=0.1, population=4, seed=0)
    scorer = TrackScorer()
    generation.play(search, scorer, [11])
    mean = search.mean_params()
    returns = generation.evaluate_mean(search, scorer, [generation.episodes.Job(0, 5),
                                                        generation.episodes.Job(0, 7)])
    expected = np.array([5, 7]) + 100 * mean[0]
    np.testing.assert_allclose(returns, expected, rtol=1e-6)
    row = cmaes.history_rows(search)[0]
    assert (row["eval_mean"], row["eval_std"]) == pytest.approx((expected.mean(), 1.0), rel=1e-6)
    assert cmaes.handed_on(cmaes.history_rows(search))["generation"] == 0
    np.testing.assert_array_equal(search.evaluated_means[0], mean)

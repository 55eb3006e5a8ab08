"""Return summaries: IQM on hand-made sets, bootstrap intervals that bracket it and equal the
bootstrap computed by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from worldmodels import scores


def test_iqm_is_the_mean_of_the_middle_half():
    assert scores.iqm([0, 1, 2, 3, 4, 5, 6, 7]) == 3.5  # mean of 2, 3, 4, 5
    assert scores.iqm([-100, 900, 910, 1000]) == 905.0  # the crash and the outlier trimmed
    assert scores.iqm([7.0]) == 7.0


def test_summary_fields_and_a_deterministic_interval():
    returns = np.random.default_rng(0).normal(800, 100, 100)
    first, second = scores.summarize(returns), scores.summarize(returns)
    assert first == second
    assert first["mean"] == pytest.approx(returns.mean())
    assert first["std"] == pytest.approx(returns.std())
    assert first["median"] == pytest.approx(np.median(returns))
    assert first["iqm_ci_low"] < first["iqm"] < first["iqm_ci_high"]
    assert first["iqm_ci_high"] - first["iqm_ci_low"] < 60  # ~ 4 standard errors of 100/sqrt(50)


def test_constant_returns_have_a_zero_width_interval():
    summary = scores.summarize([900.0] * 20)
    assert summary["iqm"] == summary["iqm_ci_low"] == summary["iqm_ci_high"] == 900.0


def test_a_constant_sample_has_a_zero_width_interval_at_its_value():
    assert scores.bootstrap_interval([3.5] * 7, lambda rows: rows.max(axis=1)) == (3.5, 3.5)
    assert scores.mean_confidence_interval([-2.0] * 10) == (-2.0, -2.0)


def test_a_two_point_sample_spans_its_extremes_and_centres_on_its_mean():
    # resampled means are 0, 0.5 or 1 with probability 1/4, 1/2, 1/4
    assert scores.mean_confidence_interval([0.0, 1.0]) == (0.0, 1.0)
    assert scores.mean_confidence_interval([0.0, 1.0], level=0.2) == (0.5, 0.5)


def test_the_interval_is_the_seeded_percentile_bootstrap_computed_by_hand():
    x = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    rng = np.random.default_rng(7)
    resamples = x[rng.integers(0, 5, size=(2000, 5))]
    medians = np.median(resamples, axis=1)
    expected = (np.percentile(medians, 5.0), np.percentile(medians, 95.0))
    assert scores.bootstrap_interval(x, lambda rows: np.median(rows, axis=1), 0.9, 7) == expected
    means = resamples.mean(axis=1)
    assert scores.mean_confidence_interval(x, 0.9, 7) == (np.percentile(means, 5.0),
                                                          np.percentile(means, 95.0))


def test_the_iqm_interval_keeps_its_draws():
    # the Evaluator's numbers: the IQM of each sorted resample, the middle half (2 of 5 cut)
    x = np.array([1.0, 2.0, 3.0, 10.0, 4.0])
    resamples = np.sort(x[np.random.default_rng(3).integers(0, 5, size=(2000, 5))], axis=1)
    iqms = resamples[:, 1:4].mean(axis=1)
    assert scores.iqm_confidence_interval(x, seed=3) == (np.percentile(iqms, 2.5),
                                                         np.percentile(iqms, 97.5))


def test_spearman_ranks_ties_by_their_mean_rank_as_scipy_does():
    assert scores.spearman([1, 2, 3, 4], [10, 20, 30, 45]) == pytest.approx(1.0)
    assert scores.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert scores.spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(0.9486832980505139)
    assert math.isnan(scores.spearman([5, 5, 5], [1, 2, 3]))

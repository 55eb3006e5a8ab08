"""Return summaries: IQM on hand-made sets and a bootstrap interval that brackets it."""
from __future__ import annotations

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

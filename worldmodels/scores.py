"""Summaries of a set of episode returns, as rliable recommends reporting them: besides the
mean and std, the interquartile mean (robust to a few crashed episodes, less noisy than the
median) and percentile-bootstrap 95% confidence intervals."""
from __future__ import annotations

from typing import Callable

import numpy as np

BOOTSTRAP_SAMPLES = 2000


def _iqms(rows: np.ndarray) -> np.ndarray:
    """Mean of the middle 50% of each row's sorted values (25% cut from each side)."""
    rows = np.sort(rows, axis=-1)
    n = rows.shape[-1]
    cut = int(np.floor(0.25 * n))
    return rows[..., cut:n - cut].mean(axis=-1)


def _means(rows: np.ndarray) -> np.ndarray:
    return rows.mean(axis=-1)


def iqm(returns) -> float:
    """Mean of the middle 50% of the sorted returns (rliable's trimmed mean, 25% each side)."""
    return float(_iqms(np.asarray(returns, np.float64)))


def bootstrap_interval(returns, statistic: Callable[[np.ndarray], np.ndarray],
                       level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap of `statistic` over episodes: BOOTSTRAP_SAMPLES resamples drawn
    with replacement, seeded so a report is reproducible. `statistic` maps the resamples,
    [BOOTSTRAP_SAMPLES, episodes], to one value per resample."""
    x = np.asarray(returns, np.float64)
    rng = np.random.default_rng(seed)
    values = statistic(x[rng.integers(0, len(x), size=(BOOTSTRAP_SAMPLES, len(x)))])
    tail = (1.0 - level) / 2.0 * 100.0
    return float(np.percentile(values, tail)), float(np.percentile(values, 100.0 - tail))


def iqm_confidence_interval(returns, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap of the IQM over episodes."""
    return bootstrap_interval(returns, _iqms, level, seed)


def mean_confidence_interval(returns, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap of the mean over episodes."""
    return bootstrap_interval(returns, _means, level, seed)


def summarize(returns) -> dict:
    """mean, std, median, iqm and its 95% CI (iqm_ci_low, iqm_ci_high) of episode returns."""
    x = np.asarray(returns, np.float64)
    low, high = iqm_confidence_interval(x)
    return {"mean": float(x.mean()), "std": float(x.std()), "median": float(np.median(x)),
            "iqm": iqm(x), "iqm_ci_low": low, "iqm_ci_high": high}


def spearman(x, y) -> float:
    """Spearman's rank correlation: Pearson's of the ranks (ties share their mean rank);
    nan where either side is constant."""
    rx, ry = _ranks(np.asarray(x, np.float64)), _ranks(np.asarray(y, np.float64))
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x), np.float64)
    ranks[order] = np.arange(len(x), dtype=np.float64)
    for value in np.unique(x):  # ties: their mean rank
        tied = x == value
        ranks[tied] = ranks[tied].mean()
    return ranks

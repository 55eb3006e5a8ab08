"""Summaries of a set of episode returns, as rliable recommends reporting them: besides the
mean and std, the interquartile mean (robust to a few crashed episodes, less noisy than the
median) and a percentile-bootstrap 95% confidence interval of it."""
from __future__ import annotations

import numpy as np

BOOTSTRAP_SAMPLES = 2000


def iqm(returns) -> float:
    """Mean of the middle 50% of the sorted returns (rliable's trimmed mean, 25% each side)."""
    x = np.sort(np.asarray(returns, np.float64))
    n = len(x)
    cut = int(np.floor(0.25 * n))
    return float(x[cut:n - cut].mean())


def iqm_confidence_interval(returns, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap of the IQM over episodes, seeded so a report is reproducible."""
    x = np.asarray(returns, np.float64)
    rng = np.random.default_rng(seed)
    samples = x[rng.integers(0, len(x), size=(BOOTSTRAP_SAMPLES, len(x)))]
    samples.sort(axis=1)
    cut = int(np.floor(0.25 * len(x)))
    means = samples[:, cut:len(x) - cut].mean(axis=1)
    tail = (1.0 - level) / 2.0 * 100.0
    return float(np.percentile(means, tail)), float(np.percentile(means, 100.0 - tail))


def summarize(returns) -> dict:
    """mean, std, median, iqm and its 95% CI (iqm_ci_low, iqm_ci_high) of episode returns."""
    x = np.asarray(returns, np.float64)
    low, high = iqm_confidence_interval(x)
    return {"mean": float(x.mean()), "std": float(x.std()), "median": float(np.median(x)),
            "iqm": iqm(x), "iqm_ci_low": low, "iqm_ci_high": high}

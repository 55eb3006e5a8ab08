"""Summaries of a set of episode returns, as rliable recommends reporting them: besides the
mean and std, the interquartile mean (robust to a few crashed episodes, less noisy than the
median) and a percentile-bootstrap 95% confidence interval of it."""
from __future__ import annotations

import numpy as np

BOOTSTRAP_SAMPLES = 2000


def _trimmed_means(sorted_rows: np.ndarray) -> np.ndarray:
    """Mean of the middle 50% of each sorted row (25% cut from each side)."""
    n = sorted_rows.shape[-1]
    cut = int(np.floor(0.25 * n))
    return sorted_rows[..., cut:n - cut].mean(axis=-1)


def iqm(returns) -> float:
    """Mean of the middle 50% of the sorted returns (rliable's trimmed mean, 25% each side)."""
    return float(_trimmed_means(np.sort(np.asarray(returns, np.float64))))


def iqm_confidence_interval(returns, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap of the IQM over episodes, seeded so a report is reproducible."""
    x = np.asarray(returns, np.float64)
    rng = np.random.default_rng(seed)
    samples = np.sort(x[rng.integers(0, len(x), size=(BOOTSTRAP_SAMPLES, len(x)))], axis=1)
    means = _trimmed_means(samples)
    tail = (1.0 - level) / 2.0 * 100.0
    return float(np.percentile(means, tail)), float(np.percentile(means, 100.0 - tail))


def summarize(returns) -> dict:
    """mean, std, median, iqm and its 95% CI (iqm_ci_low, iqm_ci_high) of episode returns."""
    x = np.asarray(returns, np.float64)
    low, high = iqm_confidence_interval(x)
    return {"mean": float(x.mean()), "std": float(x.std()), "median": float(np.median(x)),
            "iqm": iqm(x), "iqm_ci_low": low, "iqm_ci_high": high}

"""CMA-ES: improves a toy objective, and a saved-and-resumed search equals an uninterrupted one."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels.training.cmaes import CMASearch, run_search


def sphere(solutions: np.ndarray, generation: int) -> np.ndarray:
    return -np.sum((solutions - 0.5) ** 2, axis=1)


def test_improves_a_toy_objective():
    search = run_search(CMASearch(10, 0.1, 8, seed=3), sphere, 40)
    assert search.history[0].best < -2.0
    assert search.history[-1].best > -0.05
    assert search.history[-1].best > search.history[0].best + 2.0


def test_resume_equals_an_uninterrupted_run(tmp_path):
    straight = run_search(CMASearch(10, 0.1, 8, seed=5), sphere, 12)
    path = str(tmp_path / "state.pkl")
    run_search(CMASearch(10, 0.1, 8, seed=5), sphere, 5, state_path=path)
    np.random.seed(123)  # whatever happened to the global RNG in between
    resumed = run_search(CMASearch.load(path), sphere, 12, state_path=path)
    np.testing.assert_array_equal(resumed.mean_params(), straight.mean_params())
    assert [h.best for h in resumed.history] == [h.best for h in straight.history]
    assert resumed.es.sigma == straight.es.sigma


def test_unreadable_state_is_named(tmp_path):
    path = tmp_path / "state.pkl"
    path.write_bytes(b"not a pickle")
    with pytest.raises(ValueError, match=f"^{path}: unreadable CMA-ES state"):
        CMASearch.load(str(path))


def test_weight_decay_changes_the_ranking():
    def flat(solutions, generation):
        return np.zeros(len(solutions))
    plain = run_search(CMASearch(5, 0.5, 8, seed=1), flat, 10)
    decayed = run_search(CMASearch(5, 0.5, 8, seed=1, weight_decay=10.0), flat, 10)
    assert np.abs(decayed.mean_params()).sum() < np.abs(plain.mean_params()).sum()

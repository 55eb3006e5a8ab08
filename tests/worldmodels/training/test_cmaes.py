"""CMA-ES: improves a toy objective, a saved-and-resumed search equals an uninterrupted one,
and the handed-on generation is chosen by one rule."""
from __future__ import annotations

import cma
import numpy as np
import pytest

from worldmodels.training.cmaes import CMASearch, handed_on


def sphere(solutions: np.ndarray, generation: int) -> np.ndarray:
    return -np.sum((solutions - 0.5) ** 2, axis=1)


def run_search(search: CMASearch, fitness, generations: int, state_path: str | None = None):
    """Ask, score, tell until `generations`, saving after each one (the search stage's loop
    without the environments)."""
    while search.generation < generations:
        candidates = search.ask()
        search.tell(candidates, fitness(candidates, search.generation), 0.0)
        if state_path:
            search.save(state_path)
    return search


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


def test_resume_is_exact_when_the_fitness_draws_from_the_global_rng(tmp_path):
    """The real search's fitness runs libraries in this process that draw from numpy's global
    RNG; those draws must not move the search's samples, resumed or not."""
    def drawing_sphere(solutions, generation):
        np.random.rand(7)  # a library's draw
        return sphere(solutions, generation)

    straight = run_search(CMASearch(6, 0.2, 6, seed=2), drawing_sphere, 9)
    path = str(tmp_path / "state.pkl")
    run_search(CMASearch(6, 0.2, 6, seed=2), drawing_sphere, 4, state_path=path)
    resumed = run_search(CMASearch.load(path), drawing_sphere, 9, state_path=path)
    assert [h.mean for h in resumed.history] == [h.mean for h in straight.history]
    np.testing.assert_array_equal(resumed.mean_params(), straight.mean_params())


@pytest.mark.parametrize("content", [b"not a pickle", b"", b"\x80\x04\x95"])
def test_unreadable_state_is_named(tmp_path, content):
    path = tmp_path / "state.pkl"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=f"^{path}: unreadable CMA-ES state .*delete it"):
        CMASearch.load(str(path))


def test_nan_returns_stop_the_search_keeping_the_last_state(tmp_path):
    path = str(tmp_path / "state.pkl")
    run_search(CMASearch(4, 0.2, 4, seed=0), sphere, 2, state_path=path)

    def nan_at_2(solutions, generation):
        returns = sphere(solutions, generation)
        returns[1] = np.nan if generation == 2 else returns[1]
        return returns
    with pytest.raises(FloatingPointError, match="^CMA-ES generation 2: candidate 1.s return is nan; the state after generation 1 is kept"):
        run_search(CMASearch.load(path), nan_at_2, 4, state_path=path)
    assert CMASearch.load(path).generation == 2


def test_weight_decay_changes_the_ranking():
    def flat(solutions, generation):
        return np.zeros(len(solutions))
    plain = run_search(CMASearch(5, 0.5, 8, seed=1), flat, 10)
    decayed = run_search(CMASearch(5, 0.5, 8, seed=1, weight_decay=10.0), flat, 10)
    assert np.abs(decayed.mean_params()).sum() < np.abs(plain.mean_params()).sum()


def test_a_given_fitness_ranks_the_candidates_and_the_history_keeps_their_returns():
    told_fitness, told_as_returns = CMASearch(5, 0.3, 6, seed=1), CMASearch(5, 0.3, 6, seed=1)
    candidates = told_fitness.ask()
    np.testing.assert_array_equal(told_as_returns.ask(), candidates)
    returns = np.arange(6.0)
    stats = told_fitness.tell(candidates, returns, 0.0, fitness=-returns)
    told_as_returns.tell(candidates, -returns, 0.0)
    np.testing.assert_array_equal(told_fitness.mean_params(), told_as_returns.mean_params())
    assert (stats.best, stats.mean, stats.worst) == (5.0, 2.5, 0.0)


def row(generation, eval_mean, environment="real"):
    return {"generation": generation, "eval_mean": eval_mean, "environment": environment}


def test_the_handed_on_generation_is_the_best_evaluated_or_a_dream_search_s_last():
    history = [row(0, None), row(1, 5.0), row(2, None), row(3, 7.0), row(4, 7.0), row(5, 6.0)]
    assert handed_on(history)["generation"] == 4  # the latest of equals
    dreamt = [row(0, 9.0, "dream"), row(1, 2.0, "dream")]
    assert handed_on(dreamt)["generation"] == 1  # real scores are watched, never used
    assert handed_on(dreamt[:1] + [row(1, 2.0)])["generation"] == 0  # dream then real


def ellipsoid(solutions: np.ndarray, generation: int) -> np.ndarray:
    """Separable, its axes scaled 1 .. 1,000: what a diagonal covariance can learn."""
    scales = np.logspace(0, 3, solutions.shape[1])
    return -np.sum((scales * (solutions - 0.3)) ** 2, axis=1)


def test_the_separable_search_learns_per_axis_scales_the_full_one_does_not_in_150_generations():
    full = run_search(CMASearch(60, 0.1, 16, seed=4), ellipsoid, 150)
    diagonal = run_search(CMASearch(60, 0.1, 16, seed=4, diagonal=True), ellipsoid, 150)
    # per-axis step sizes: the separable search has learnt the 1,000:1 scales, the full one not
    assert diagonal.es.stds[0] / diagonal.es.stds[-1] > 5
    assert full.es.stds[0] / full.es.stds[-1] < 1.5
    assert diagonal.history[-1].best > 10 * full.history[-1].best  # returns are negative


def test_mirrored_candidates_come_in_pairs_about_the_mean():
    search = run_search(CMASearch(7, 0.3, 6, seed=2, mirrored=True), sphere, 3)
    mean = search.mean_params()
    candidates = search.ask()
    np.testing.assert_allclose(candidates[0::2] + candidates[1::2], np.tile(2 * mean, (3, 1)), atol=1e-9)
    assert not np.allclose(candidates[0], candidates[2])  # each pair its own direction
    with pytest.raises(ValueError, match="even population, got 5"):
        CMASearch(7, 0.3, 5, seed=2, mirrored=True)


def test_mirrored_pairs_include_the_step_size_samples_above_300_dimensions(recwarn,
                                                                         monkeypatch):
    """From 300 dimensions cma's two-point step-size adaptation injects two samples along the
    mean's last shift: they are the first pair, and no warning says a pair is missing (cma
    warns only at its default verbosity, as in a process that resumed a saved search)."""
    search = run_search(CMASearch(320, 0.05, 8, seed=2, mirrored=True), sphere, 2)
    monkeypatch.setattr(cma.utilities.utils, "global_verbosity", 1)
    candidates = search.ask()
    shift = search.es.mean - search.es.mean_old
    first = (candidates[0] - search.mean_params()) / np.linalg.norm(shift)
    np.testing.assert_allclose(np.abs(first @ shift) / np.linalg.norm(shift),
                               np.linalg.norm(first), rtol=1e-9)  # along the shift
    np.testing.assert_allclose(candidates[0::2] + candidates[1::2],
                               np.tile(2 * search.mean_params(), (4, 1)), atol=1e-9)
    assert not [w for w in recwarn if "mirrors" in str(w.message)]


@pytest.mark.parametrize("options", [{"diagonal": True}, {"mirrored": True}])
def test_a_resumed_search_with_levers_equals_an_uninterrupted_one(tmp_path, options):
    path = str(tmp_path / "state.pkl")
    straight = run_search(CMASearch(8, 0.2, 6, seed=1, **options), sphere, 8)
    run_search(CMASearch(8, 0.2, 6, seed=1, **options), sphere, 3, state_path=path)
    resumed = run_search(CMASearch.load(path), sphere, 8)
    np.testing.assert_array_equal(resumed.mean_params(), straight.mean_params())


def test_a_later_round_s_search_starts_at_the_given_mean():
    start = np.linspace(-1.0, 1.0, 10)
    search = CMASearch(10, 0.01, 8, seed=3, start=start)
    np.testing.assert_array_equal(search.mean_params(), start)
    assert np.abs(search.ask() - start).max() < 0.1  # sigma 0.01 about the start, not about 0
    with pytest.raises(ValueError, match=r"^the search's start has 9 parameters, C has 10$"):
        CMASearch(10, 0.01, 8, seed=3, start=np.zeros(9))

"""The search laboratory: runs take turns at equal cost, share each generation's tracks, are
watched at every mark, hand on by the search's own rule, and resume exactly."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels import seeds
from worldmodels.config import ControllerConfig
from worldmodels.engine import generation
from worldmodels.lab import search as search_lab

STEPS_PER_EPISODE = 100


class SphereScorer:
    """A scorer of a toy objective with the real one's interface: a job's return is the
    candidate's closeness to 0.5, shifted by its track; every episode costs 100 steps."""

    def __init__(self):
        self.steps = 0
        self.calls: list[tuple[int, list[int]]] = []  # (candidates, the job seeds)

    def score(self, params, jobs):
        params = np.asarray(params, np.float64)
        self.calls.append((len(params), [j.seed for j in jobs]))
        self.steps += STEPS_PER_EPISODE * len(jobs)
        return np.array([-100 * np.sum((params[j.params_index] - 0.5) ** 2) + j.seed % 7
                         for j in jobs])


def controller(**fields) -> ControllerConfig:
    return ControllerConfig(**{"population": 4, "episodes_per_candidate": 2, "sigma0": 0.3,
                               "generations": 1000, **fields})


def lab(tmp_path, settings: dict, budget=4000, watch_every=1000, cma_seeds=(0,), scorer=None):
    runs = [search_lab.load_or_start(str(tmp_path), name, s, cc, dim=5)
            for name, cc in settings.items() for s in cma_seeds]
    return search_lab.Laboratory(runs, scorer or SphereScorer(), run_seed=0, budget=budget,
                                 watch_every=watch_every, watch_count=3, state_dir=str(tmp_path))


def test_runs_take_turns_by_steps_and_each_ends_at_the_budget(tmp_path):
    settings = {"big": controller(population=8, episodes_per_candidate=1),
                "small": controller(population=4, episodes_per_candidate=1)}
    laboratory = lab(tmp_path, settings, budget=4000, cma_seeds=(0, 1))
    order = []

    def before_each(run):  # called after a generation: the run had the fewest steps before it
        order.append(run.name)

    laboratory.run(before_each)
    steps = {r.name: r.steps for r in laboratory.runs}
    # 800 and 400 steps a generation: each stops at the first generation reaching 4,000
    assert steps == {"big-seed0": 4000, "big-seed1": 4000, "small-seed0": 4000,
                     "small-seed1": 4000}
    assert order.count("small-seed0") == 10 and order.count("big-seed0") == 5
    assert order[:4] == ["big-seed0", "big-seed1", "small-seed0", "small-seed1"]
    assert order[4:6] == ["small-seed0", "small-seed1"]  # 400 < 800: the small runs catch up


def test_every_setting_plays_the_same_tracks_in_a_generation(tmp_path):
    scorer = SphereScorer()
    settings = {"one": controller(episodes_per_candidate=1),
                "two": controller(episodes_per_candidate=2)}
    laboratory = lab(tmp_path, settings, budget=1600, watch_every=10_000, scorer=scorer)
    laboratory.run()
    searches = [(n, seeds_) for n, seeds_ in scorer.calls if n == 4]  # not the watches
    first = seeds.seeds(0, "search", 0, 2)
    assert searches[0][1] == [first[0]] * 4  # "two" has 0 steps too; "one" is listed first
    assert searches[1][1] == [s for _ in range(4) for s in first]
    second = seeds.seeds(0, "search", search_lab.TRACK_STRIDE, 1)
    assert searches[2][1] == second * 4  # generation 1 of "one": the next block's first track


def test_track_groups_play_their_own_tracks_of_the_shared_block(tmp_path):
    scorer = SphereScorer()
    pairs = controller(population=4, episodes_per_candidate=1, mirrored=True, track_groups=2)
    lab(tmp_path, {"pairs": pairs}, budget=400, watch_every=10_000, scorer=scorer).run()
    first, second = seeds.seeds(0, "search", 0, 2)
    assert scorer.calls[0] == (4, [first, first, second, second])


def test_the_mean_is_watched_at_each_mark_and_at_the_end_on_fixed_tracks(tmp_path):
    scorer = SphereScorer()
    laboratory = lab(tmp_path, {"base": controller(population=6, episodes_per_candidate=1)},
                     budget=3000, watch_every=1000, scorer=scorer)
    laboratory.run()
    run = laboratory.runs[0]
    # 600 steps a generation: marks passed at 1,200, 2,400 and the budget at 3,000
    assert [(w.steps, w.generation) for w in run.watches] == [(1200, 2), (2400, 4), (3000, 5)]
    watch_calls = [s for n, s in scorer.calls if n == 1]
    assert watch_calls == [search_lab.watch_tracks(0, 3)] * 3
    assert run.watch_steps == 3 * 3 * STEPS_PER_EPISODE
    assert search_lab.watched_at(run, 2000).steps == 2400
    assert search_lab.watched_at(run, 3001) is None
    best = search_lab.best_watch(run)
    assert best.mean == max(w.mean for w in run.watches)
    np.testing.assert_array_equal(run.search.evaluated_means[best.generation - 1], best.params)


def test_a_stopped_laboratory_resumes_as_if_never_stopped(tmp_path):
    settings = {"a": controller(), "b": controller(cma_diagonal=True)}
    straight = lab(tmp_path / "straight", settings, budget=3200)
    straight.run()

    class Stop(Exception):
        pass

    def stop_after_five(run, count=[0]):
        count[0] += 1
        if count[0] == 5:
            raise Stop

    with pytest.raises(Stop):
        lab(tmp_path / "stopped", settings, budget=3200).run(stop_after_five)
    resumed = lab(tmp_path / "stopped", settings, budget=3200)
    assert sum(r.search.generation for r in resumed.runs) == 5
    resumed.run()
    for a, b in zip(straight.runs, resumed.runs):
        assert [(w.steps, w.mean) for w in a.watches] == [(w.steps, w.mean) for w in b.watches]
        np.testing.assert_array_equal(a.search.mean_params(), b.search.mean_params())


def test_a_saved_run_under_other_settings_is_refused(tmp_path):
    lab(tmp_path, {"a": controller()}, budget=800).run()
    with pytest.raises(ValueError, match="a-seed0.pkl: saved under other settings"):
        lab(tmp_path, {"a": controller(sigma0=0.2)})


def test_more_episodes_than_the_shared_tracks_are_refused():
    with pytest.raises(ValueError, match="17 tracks a generation: at most 16 are shared"):
        generation.track_seeds(0, controller(episodes_per_candidate=17), 3,
                               search_lab.TRACK_STRIDE)


def test_held_out_tracks_are_neither_searched_nor_watched(tmp_path):
    scorer = SphereScorer()
    laboratory = lab(tmp_path, {"base": controller()}, budget=800, scorer=scorer)
    laboratory.run()
    seen = {s for _, call in scorer.calls for s in call}
    returns = laboratory.held_out(laboratory.runs[0].search.mean_params(), 5)
    held = scorer.calls[-1][1]
    assert held == search_lab.held_out_tracks(0, 5) and not seen & set(held)
    assert len(returns) == 5 and laboratory.runs[0].steps == 800  # charged to no run


def test_each_watch_keeps_a_snapshot_of_the_run_as_it_stood(tmp_path):
    laboratory = lab(tmp_path, {"base": controller(population=6, episodes_per_candidate=1)},
                     budget=3000, watch_every=1000)
    laboratory.run()
    snapshot = search_lab.snapshot_at(str(tmp_path), "base-seed0", 1000)
    assert (snapshot.steps, snapshot.search.generation) == (1200, 2)
    assert [w.steps for w in snapshot.watches] == [1200]
    assert search_lab.snapshot_at(str(tmp_path), "base-seed0", 2401).steps == 3000
    with pytest.raises(ValueError, match=r"no snapshot of base-seed0 at or past 3,001 steps "
                       r"\(it has 1,200, 2,400, 3,000\)"):
        search_lab.snapshot_at(str(tmp_path), "base-seed0", 3001)


def test_a_branch_with_the_parents_settings_continues_exactly_as_the_parent(tmp_path):
    cc = controller(population=6, episodes_per_candidate=1)
    parent = lab(tmp_path, {"a": cc}, budget=3000, watch_every=1000)
    parent.run()
    runs = [search_lab.load_or_start(str(tmp_path), "b", 0, cc, dim=5, branch_from=("a", 1000))]
    branched = search_lab.Laboratory(runs, SphereScorer(), run_seed=0, budget=3000,
                                     watch_every=1000, watch_count=3, state_dir=str(tmp_path))
    assert (runs[0].steps, runs[0].parent) == (1200, "a-seed0@1200")
    branched.run()
    a, b = parent.runs[0], branched.runs[0]
    assert [(w.steps, w.mean) for w in a.watches] == [(w.steps, w.mean) for w in b.watches]
    np.testing.assert_array_equal(a.search.mean_params(), b.search.mean_params())


def test_a_branch_plays_its_own_episodes_from_the_parents_generation(tmp_path):
    lab(tmp_path, {"a": controller(population=6, episodes_per_candidate=1)},
        budget=3000, watch_every=1000).run()
    scorer = SphereScorer()
    runs = [search_lab.load_or_start(str(tmp_path), "b", 0, controller(
        population=6, episodes_per_candidate=3, weight_decay=0.5), dim=5, branch_from=("a", 2000))]
    search_lab.Laboratory(runs, scorer, run_seed=0, budget=4200, watch_every=1000,
                          watch_count=3, state_dir=str(tmp_path)).run()
    # 2,400 steps at generation 4, then 1,800 a generation: generation 4 on its 3 shared tracks
    assert scorer.calls[0] == (6, seeds.seeds(0, "search", 4 * search_lab.TRACK_STRIDE, 3) * 6)
    assert (runs[0].steps, runs[0].search.generation) == (4200, 5)
    assert runs[0].search.weight_decay == 0.5


def test_a_branch_cannot_change_the_cma_es_own_settings(tmp_path):
    lab(tmp_path, {"a": controller()}, budget=800).run()
    with pytest.raises(ValueError, match="setting 'b' changes population, sigma0: set when the "
                       "CMA-ES starts, so it cannot branch off a-seed0"):
        search_lab.load_or_start(str(tmp_path), "b", 0, controller(population=8, sigma0=0.1),
                                 dim=5, branch_from=("a", 0))

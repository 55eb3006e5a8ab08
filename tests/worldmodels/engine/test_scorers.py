"""Scorers: the same returns in this process and in worker processes, jobs' cutoffs kept,
environment steps counted."""
from __future__ import annotations

import numpy as np

from worldmodels.engine import episodes
from worldmodels.engine.policies import WorldModel
from worldmodels.engine.scorers import RealScorer
from worldmodels.env import car_racing
from worldmodels.env.factory import make_env
from worldmodels.games import CAR_RACING_GAME
from worldmodels.export import serving
from worldmodels.runtime import pools

MAX_STEPS = 30


def in_process(model_dirs, params, jobs, max_steps) -> episodes.Played:
    model = WorldModel(*(serving.load(d) for d in model_dirs), CAR_RACING_GAME)
    envs = [make_env(max_steps=max_steps) for _ in range(2)]
    return episodes.play_jobs(envs, model.policy(params), jobs,
                              step_cost=CAR_RACING_GAME.step_cost)


def test_worker_processes_give_the_in_process_returns(untrained_model_dirs):
    params = np.random.default_rng(0).normal(0, 0.5, (3, 867)).astype(np.float32)
    jobs = episodes.population_jobs(3, [11, 12])
    expected = in_process(untrained_model_dirs, params, jobs, MAX_STEPS)
    with RealScorer(pools.ProcessPool(2), car_racing.ENV_ID, MAX_STEPS, *untrained_model_dirs,
                    envs_per_worker=2) as scorer:
        np.testing.assert_array_equal(scorer.score(params, jobs), expected.returns)
        assert len(set(scorer.job_workers)) == 2


def test_a_scorer_counts_environment_steps(untrained_model_dirs):
    params = np.zeros((2, 867), np.float32)
    with RealScorer(pools.InProcess(), car_racing.ENV_ID, MAX_STEPS, *untrained_model_dirs,
                    envs_per_worker=2) as scorer:
        scorer.score(params, episodes.population_jobs(2, [1, 2]))
        assert scorer.steps == 4 * MAX_STEPS


def test_worker_processes_keep_the_stuck_cutoff(untrained_model_dirs):
    """Jobs cross to worker processes with their patience: the cut episodes' steps and
    returns equal the in-process loop's."""
    jobs = episodes.population_jobs(2, [5, 6], 10)
    params = np.zeros((2, 867), np.float32)
    params[:, -2] = -5.0  # bias of the gas output: tanh(-5) -> no gas, the car never moves
    expected = in_process(untrained_model_dirs, params, jobs, 200)
    assert (expected.steps < 200).all()
    with RealScorer(pools.ProcessPool(2), car_racing.ENV_ID, 200, *untrained_model_dirs,
                    envs_per_worker=2) as scorer:
        np.testing.assert_array_equal(scorer.score(params, jobs), expected.returns)
        assert scorer.steps == expected.steps.sum()

"""The one episode loop: batched play equals a plain one-environment loop, episodes are
recorded whole, and hopeless episodes end early charged the steps they skip."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels.engine import episodes
from worldmodels.engine.policies import WorldModel
from worldmodels.env import car_racing
from worldmodels.env.explore import Explorer
from worldmodels.env.factory import make_env
from worldmodels.games import CAR_RACING_GAME
from worldmodels.export import serving
from worldmodels.models import controller

MAX_STEPS = 30


@pytest.fixture(scope="module")
def model(untrained_model_dirs):
    return WorldModel(*(serving.load(d) for d in untrained_model_dirs), CAR_RACING_GAME)


def one_env_loop(model: WorldModel, params: np.ndarray, seed: int) -> float:
    """The reference: one environment, one model call per step, written out plainly."""
    env = make_env(max_steps=MAX_STEPS)
    frame, _ = env.reset(seed=seed)
    w, b = controller.unflatten(params[None], model.z_size + model.hidden_units)
    h = c = np.zeros((1, model.hidden_units), np.float32)
    total, done = 0.0, False
    while not done:
        action, h, c = model.step(frame[None], w, b, h, c)
        frame, reward, terminated, truncated, _ = env.step(action.numpy()[0])
        total += reward
        done = terminated or truncated
    return total


def test_batched_play_equals_the_one_env_loop(model):
    """Six jobs on four environments: slots refill as episodes end and the last ones play
    with some slots idle; every return equals the plain loop's."""
    params = np.random.default_rng(0).normal(0, 0.5, (3, 867)).astype(np.float32)
    jobs = episodes.population_jobs(3, [11, 12])
    expected = np.array([one_env_loop(model, params[j.params_index], j.seed) for j in jobs])
    envs = [make_env(max_steps=MAX_STEPS) for _ in range(4)]
    played = episodes.play_jobs(envs, model.policy(params), jobs)
    np.testing.assert_array_equal(played.returns, expected)
    assert played.steps.tolist() == [MAX_STEPS] * 6
    np.testing.assert_array_equal(episodes.mean_returns(expected, 3),
                                  expected.reshape(3, 2).mean(1))


def test_collected_episodes_are_whole_repeatable_and_in_seed_order():
    env = make_env(max_steps=20)
    first, second = [], []
    episodes.collect_episodes(env, CAR_RACING_GAME, Explorer(), [9, 10], lambda i, e: first.append((i, e)))
    episodes.collect_episodes(env, CAR_RACING_GAME, Explorer(), [9], lambda i, e: second.append((i, e)))
    assert [(i, e.seed) for i, e in first] == [(0, 9), (1, 10)]
    episode = first[0][1]
    assert episode.observations.shape == (21, 64, 64, 3) and episode.actions.shape == (20, 3)
    assert episode.truncated and not episode.terminated
    np.testing.assert_array_equal(episode.observations, second[0][1].observations)
    np.testing.assert_array_equal(episode.rewards, second[0][1].rewards)
    assert not np.array_equal(episode.actions, first[1][1].actions)


class StandStill:
    """A policy that never touches the pedals: after the start tile, no new tile ever."""

    def reset(self, slots):
        self.slots = slots

    def begin(self, slot, job):
        pass

    def act(self, frames, slots):
        return np.zeros((len(frames), 3), np.float32)


def test_stuck_episodes_end_early_charged_the_steps_they_skip():
    envs = [make_env(max_steps=200) for _ in range(2)]
    full = episodes.play_jobs(envs[:1], StandStill(), [episodes.Job(0, 5)])
    cut = episodes.play_jobs(envs, StandStill(), episodes.population_jobs(1, [5, 5], 40),
                             step_cost=car_racing.STEP_COST)
    assert full.steps.tolist() == [200]
    assert cut.steps.tolist() == [41, 41]  # the start tile's reward at step 1, then 40 stalled
    np.testing.assert_allclose(cut.returns, [full.returns[0]] * 2, rtol=0, atol=1e-9)


class Watcher(episodes.Observer):
    def __init__(self):
        self.events = []

    def started(self, slot, job, frame):
        self.events.append(("start", slot, job))

    def stepped(self, slot, job, action, frame, reward):
        self.events.append(("step", slot, job))

    def ended(self, slot, job, episode_return, steps, terminated, truncated):
        self.events.append(("end", slot, job, steps, truncated))


def test_the_observer_sees_every_start_step_and_end_in_its_slot():
    envs = [make_env(max_steps=3) for _ in range(2)]
    watcher = Watcher()
    episodes.play_jobs(envs, StandStill(), [episodes.Job(0, s) for s in (1, 2, 3)], watcher)
    starts = [e for e in watcher.events if e[0] == "start"]
    ends = [e for e in watcher.events if e[0] == "end"]
    assert starts == [("start", 0, 0), ("start", 1, 1), ("start", 0, 2)]
    assert ends == [("end", 0, 0, 3, True), ("end", 1, 1, 3, True), ("end", 0, 2, 3, True)]
    assert sum(e[0] == "step" for e in watcher.events) == 9


def test_groups_of_candidates_play_their_own_seeds():
    jobs = episodes.population_jobs(4, [11, 12, 13, 14], 7, groups=2)
    assert [(j.params_index, j.seed, j.patience) for j in jobs] == [
        (0, 11, 7), (0, 12, 7), (1, 11, 7), (1, 12, 7),
        (2, 13, 7), (2, 14, 7), (3, 13, 7), (3, 14, 7)]
    assert episodes.population_jobs(3, [5]) == [episodes.Job(p, 5) for p in range(3)]
    with pytest.raises(ValueError, match="^4 candidates and 3 seeds do not split into 2 equal"):
        episodes.population_jobs(4, [1, 2, 3], groups=2)


def test_track_fitness_cancels_each_groups_track():
    np.testing.assert_array_equal(episodes.track_fitness(np.array([900.0, 700, 300, 500]), 2),
                                  [100.0, -100, -100, 100])
    np.testing.assert_array_equal(episodes.track_fitness(np.array([1.0, 2.0]), 1), [1.0, 2.0])

"""The one episode loop: K environments stepped together by one batched policy, which acts for
all of them with one call per step (V encode, C, one LSTM step), never once per environment.

Everything that plays episodes goes through `play_jobs`: the explorer's rollouts, the search's
candidates, the Evaluator, its export check, and `worldmodels play`. Jobs are (controller
parameters, episode seed) pairs; a free environment takes the next job as soon as its episode
ends, so K stays busy until the queue drains.

A policy has three methods: `reset(slots)` before the first episode, `begin(slot, job)` when
a slot starts a job's episode (fresh recurrent state, that job's controller or random stream),
and `act(frames, slots) -> actions` for the frames of the active slots (`slots` is a slice of
all of them when every slot is active, the common case, else an index array). An observer
sees each episode's frames, actions and rewards as they happen.

A job with `patience` ends its episode once that many steps pass without a positive reward
(CarRacing's new road tile: the search's shortcut for hopeless episodes); the steps it skips
are charged `step_cost` each (CarRacing's per-step cost), as if the car had stayed stuck, so
its return stays comparable with full episodes. Evaluations never set it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from worldmodels.data.episode import Episode
from worldmodels.games import Game


@dataclass(frozen=True)
class Job:
    params_index: int
    seed: int
    patience: int = 0  # steps without a new tile before the episode ends; 0 = never


@dataclass
class Played:
    """Per job, in job order: the episode's return and its environment steps."""
    returns: np.ndarray  # float64
    steps: np.ndarray  # int64


class Observer:
    """Hooks of the loop; each does nothing unless overridden."""

    def started(self, slot: int, job: int, frame: np.ndarray) -> None:
        pass

    def stepped(self, slot: int, job: int, action: np.ndarray, frame: np.ndarray,
                reward: float) -> None:
        pass

    def ended(self, slot: int, job: int, episode_return: float, steps: int, terminated: bool,
              truncated: bool) -> None:
        pass


def play_jobs(envs: list, policy, jobs: list[Job], observer: Observer | None = None,
              step_cost: float = 0.0) -> Played:
    """Every job's episode on `envs`, acted by `policy`."""
    k = len(envs)
    observer = observer or Observer()
    returns = np.zeros(len(jobs), np.float64)
    steps = np.zeros(len(jobs), np.int64)
    stalled = np.zeros(k, np.int64)  # steps since the slot's last new tile
    slot_job = [-1] * k
    frames = np.zeros((k, *envs[0].observation_space.shape), np.uint8)
    policy.reset(k)
    queue = iter(range(len(jobs)))

    def start(slot: int) -> None:
        j = next(queue, -1)
        slot_job[slot] = j
        if j >= 0:
            policy.begin(slot, jobs[j])
            frames[slot], _ = envs[slot].reset(seed=jobs[j].seed)
            stalled[slot] = 0
            observer.started(slot, j, frames[slot])

    for slot in range(k):
        start(slot)
    while True:
        active = [s for s in range(k) if slot_job[s] >= 0]
        if not active:
            return Played(returns, steps)
        if len(active) == k:  # whole arrays, no gathering copies
            actions = policy.act(frames, slice(None))
        else:
            actions = policy.act(frames[active], np.array(active))
        for i, slot in enumerate(active):
            frame, reward, terminated, truncated, _ = envs[slot].step(actions[i])
            j = slot_job[slot]
            returns[j] += reward
            steps[j] += 1
            frames[slot] = frame
            observer.stepped(slot, j, actions[i], frame, reward)
            stalled[slot] = 0 if reward > 0 else stalled[slot] + 1  # > 0 only on a new tile
            if (jobs[j].patience and stalled[slot] >= jobs[j].patience
                    and not (terminated or truncated)):
                horizon = envs[slot].spec.max_episode_steps
                returns[j] -= step_cost * (horizon - steps[j])
                terminated = True
            if terminated or truncated:
                observer.ended(slot, j, returns[j], int(steps[j]), bool(terminated),
                               bool(truncated))
                start(slot)


def population_jobs(population: int, seeds: list[int], patience: int = 0,
                    groups: int = 1) -> list[Job]:
    """Each candidate on its group's seeds: the candidates split by index into `groups` equal
    groups, the seeds likewise (common random numbers within a group; one group: every
    candidate on every seed)."""
    if population % groups or len(seeds) % groups:
        raise ValueError(f"{population} candidates and {len(seeds)} seeds do not split into "
                         f"{groups} equal groups")
    per_group, seeds_per_group = population // groups, len(seeds) // groups
    group_seeds = [seeds[g * seeds_per_group:(g + 1) * seeds_per_group] for g in range(groups)]
    return [Job(p, s, patience) for p in range(population) for s in group_seeds[p // per_group]]


def mean_returns(returns: np.ndarray, population: int) -> np.ndarray:
    return returns.reshape(population, -1).mean(axis=1)


def track_fitness(returns: np.ndarray, groups: int) -> np.ndarray:
    """What ranks the candidates: their returns, less their group's mean where the groups
    played different tracks (a track's difficulty cancels within its group)."""
    returns = np.asarray(returns, np.float64)
    if groups == 1:
        return returns
    by_group = returns.reshape(groups, -1)
    return (by_group - by_group.mean(axis=1, keepdims=True)).reshape(-1)


class EpisodeRecorder(Observer):
    """Hands each whole episode (observations preprocessed for V) to `on_episode(job,
    episode)` as it ends."""

    def __init__(self, jobs: list[Job], on_episode: Callable[[int, Episode], None], game: Game):
        self.jobs, self.on_episode, self.game = jobs, on_episode, game
        self._open: dict[int, tuple[list, list, list]] = {}

    def started(self, slot, job, frame):
        self._open[slot] = ([frame.copy()], [], [])

    def stepped(self, slot, job, action, frame, reward):
        frames, actions, rewards = self._open[slot]
        frames.append(frame.copy())
        actions.append(action)
        rewards.append(reward)

    def ended(self, slot, job, episode_return, steps, terminated, truncated):
        frames, actions, rewards = self._open.pop(slot)
        self.on_episode(job, Episode(
            seed=self.jobs[job].seed,
            observations=self.game.frames.preprocess(np.stack(frames)),
            actions=np.asarray(actions, np.float32).reshape(-1, self.game.action_size),
            rewards=np.asarray(rewards, np.float32),
            terminated=terminated, truncated=truncated))


def collect_episodes(env, game: Game, policy, seeds: list[int],
                     on_episode: Callable[[int, Episode], None]) -> None:
    """One episode per seed on `env` (playing `game`), each handed whole to
    `on_episode(i, episode)` (i: the seed's index) as it ends, in seed order; one at a time,
    so memory holds one episode."""
    jobs = [Job(0, seed) for seed in seeds]
    play_jobs([env], policy, jobs, EpisodeRecorder(jobs, on_episode, game))

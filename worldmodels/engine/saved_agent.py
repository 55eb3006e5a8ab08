"""The batched policies of an exported agent SavedModel (one controller for all slots), and
noise on a policy's actions: what the Evaluator, `worldmodels play` and a later round's
RolloutGen play. They run the SavedModel's own graph, no project model code, so editing the
models does not touch the stages that only play an agent."""
from __future__ import annotations

import numpy as np

from worldmodels.env import car_racing, doom
from worldmodels.games import Game, by_screen


class SavedAgentPolicy:
    """An agent SavedModel (export.agent) driving the loop, its recurrent state per slot."""

    def __init__(self, agent):
        self.agent = agent

    def reset(self, slots: int) -> None:
        state = self.agent.initial_state(slots)
        self.h, self.c = state["h"].numpy(), state["c"].numpy()

    def begin(self, slot: int, job) -> None:
        self.h[slot] = 0.0
        self.c[slot] = 0.0

    def act(self, frames: np.ndarray, slots) -> np.ndarray:
        action, state = self.agent.act(frames, {"h": self.h[slots], "c": self.c[slots]})
        self.h[slots], self.c[slots] = state["h"].numpy(), state["c"].numpy()
        return action.numpy()


class NoisyPolicy:
    """Another batched policy's actions with Gaussian noise of std `noise`, made valid actions
    of the game again (CarRacing's bounds; TakeCover's left, stay or right), each episode's
    noise seeded by its job's seed: the agent gathering a later round's episodes explores
    around what it does."""

    def __init__(self, policy, noise: float, game: Game):
        self.policy, self.noise, self.game = policy, noise, game

    def reset(self, slots: int) -> None:
        self.policy.reset(slots)
        self.rngs: list = [None] * slots

    def begin(self, slot: int, job) -> None:
        self.policy.begin(slot, job)
        self.rngs[slot] = np.random.default_rng([job.seed, 2])  # apart from the explorer's [s, 1]

    def act(self, frames: np.ndarray, slots) -> np.ndarray:
        actions = np.asarray(self.policy.act(frames, slots), np.float32)
        ids = range(len(self.rngs))[slots] if isinstance(slots, slice) else slots
        noise = np.stack([self.rngs[s].standard_normal(actions.shape[1]) for s in ids])
        return valid_actions(actions + self.noise * noise.astype(np.float32), self.game)


def valid_actions(actions: np.ndarray, game: Game) -> np.ndarray:
    """Actions made valid for `game`: clipped to CarRacing's bounds, or TakeCover's choice."""
    if game.action_mapping == "choice":
        return doom.choice(actions)
    return np.clip(actions, car_racing.ACTION_LOW, car_racing.ACTION_HIGH).astype(np.float32)


def agent_game(agent) -> Game:
    """The game an agent SavedModel plays, known by the screens its `act` takes."""
    return by_screen(agent.act.concrete_functions[0].structured_input_signature[0][0].shape[1:])

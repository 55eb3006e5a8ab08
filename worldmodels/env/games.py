"""The games this project plays, each as settings the shared code reads (never a copy of a
stage): its screen, C's action size and how C's outputs become actions, the paper's episode
cap, and what its rewards mean for the search's shortcuts and for dreams."""
from __future__ import annotations

from dataclasses import dataclass

from worldmodels.env import car_racing, doom
from worldmodels.env.frames import FrameSpec


@dataclass(frozen=True)
class Game:
    env_id: str
    frames: FrameSpec
    action_size: int
    action_mapping: str  # C's tanh outputs -> actions: "car_racing" (steer, gas, brake) | "choice"
    max_steps: int  # the paper's episode cap
    step_cost: float  # a stuck search episode cut short is charged this for each step it skips
    survival_reward: float  # reward per step survived (dreams pay it while alive); 0: none


CAR_RACING_GAME = Game(car_racing.ENV_ID, car_racing.FRAMES, 3, "car_racing", 1000,
                       car_racing.STEP_COST, 0.0)
TAKE_COVER_GAME = Game(doom.ENV_ID, doom.FRAMES, 1, "choice", doom.MAX_STEPS, 0.0, 1.0)
GAMES = {g.env_id: g for g in (CAR_RACING_GAME, TAKE_COVER_GAME)}


def by_screen(shape) -> Game:
    """The game whose screens have `shape` (rows, columns, 3): each game's differs."""
    found = [g for g in GAMES.values() if tuple(shape) == g.frames.shape]
    if not found:
        raise ValueError(f"no game has {tuple(shape)} screens ({', '.join(GAMES)} have "
                         f"{', '.join(str(g.frames.shape) for g in GAMES.values())})")
    return found[0]


def game(env_id: str) -> Game:
    try:
        return GAMES[env_id]
    except KeyError:
        raise ValueError(f"env.env_id: {env_id!r} is not a game this project plays "
                         f"({', '.join(GAMES)})") from None

"""The games this project plays, each described once, as facts the shared code reads (never a
copy of a stage): its id, its screen and the rows of it V sees, C's action size and how C's
outputs become actions, the paper's episode cap, and what its rewards mean for the search's
shortcuts and for dreams. Pure data: the config checks its values against it, env/ builds the
environments, and everything else asks `game(env_id)`."""
from __future__ import annotations

from dataclasses import dataclass

from worldmodels.frames import FrameSpec


@dataclass(frozen=True)
class Game:
    env_id: str
    frames: FrameSpec
    action_size: int
    action_mapping: str  # C's tanh outputs -> actions: "car_racing" (steer, gas, brake) | "choice"
    max_steps: int  # the paper's episode cap
    step_cost: float  # a stuck search episode cut short is charged this for each step it skips
    survival_reward: float  # reward per step survived (dreams pay it while alive); 0: none


# CarRacing-v3: 96x96 screens whose rows 84..95 are the dashboard (H and Z drop it); steer,
# gas, brake; gymnasium truncates at 1,000 steps; the reward is -0.1 a frame, +1000/N for each
# of N road tiles first visited.
CAR_RACING_GAME = Game("CarRacing-v3", FrameSpec((96, 96, 3), crop_rows=84), 3, "car_racing",
                       1000, 0.1, 0.0)
# VizDoom's TakeCover at 160x120 (rendered ~2x faster than 320x240), V seeing rows 0..99 (the
# paper's 400 of 480); one choice, left, stay or right; +1 a tic survived, episodes capped at
# 2,100 steps by the paper (the game has no limit of its own).
TAKE_COVER_GAME = Game("VizdoomTakeCover-v1", FrameSpec((120, 160, 3), crop_rows=100), 1,
                       "choice", 2100, 0.0, 1.0)
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

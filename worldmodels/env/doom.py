"""VizDoom's TakeCover (`VizdoomTakeCover-v1`) as the paper plays it: dodge fireballs, +1 per
tic survived, one engine tic a step, episodes capped at 2,100 steps.

- Screen: 160x120 (the game renders it ~2x faster than 320x240); V sees rows 0..99, the
  paper's 400 of 480 rows at this resolution, resized to 64x64.
- Actions: C's one tanh output a, left when a < -1/3, right when a > 1/3, else stay; the
  environment takes that choice as -1, 0 or 1 (`to_env_action` gives it, the explorer too).
  VizDoom's own Discrete(3) numbers the choices 0 stay, 1 right, 2 left (its buttons are
  [MOVE_LEFT, MOVE_RIGHT] and it enumerates their combinations).
- The terminal step's screen from VizDoom is all zeros; the wrapper repeats the last real
  screen there, so neither V's data nor C ever sees a blank frame.
- The game engine is a process of its own. Game starts in one process are serialised by a
  file lock (instances started all at once have crashed), each engine works in a temporary
  directory (it writes its ini and save folder into its working directory, so nothing lands
  where a run or a benchmark was started; `raw_env` gives VizDoom's own environment started
  the same way), and a reaper process, told each directory before an engine starts in it,
  kills the engines working in them when this process ends, however and whenever it ends (a
  pipe it reads closes), so a killed run leaves no game behind, even mid-start.
"""
from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import sys
import tempfile

import gymnasium as gym
import numpy as np

from worldmodels.games import TAKE_COVER_GAME

ENV_ID, FRAMES, MAX_STEPS = (TAKE_COVER_GAME.env_id, TAKE_COVER_GAME.frames,
                             TAKE_COVER_GAME.max_steps)
RESOLUTION = "RES_160X120"  # the screen TAKE_COVER_GAME.frames describes
STAY, RIGHT, LEFT = 0, 1, 2  # VizDoom's Discrete(3) for buttons [MOVE_LEFT, MOVE_RIGHT]
_BUTTONS = {-1.0: LEFT, 0.0: STAY, 1.0: RIGHT}  # choice() -> VizDoom's action
_START_LOCK = os.path.join(tempfile.gettempdir(), "worldmodels-vizdoom-start.lock")


def choice(a: np.ndarray) -> np.ndarray:
    """C's tanh outputs -> -1 (left), 0 (stay) or 1 (right), as float32."""
    a = np.asarray(a, np.float32)
    return (np.float32(a > 1.0 / 3.0) - np.float32(a < -1.0 / 3.0)).astype(np.float32)


def make(max_steps: int = MAX_STEPS, render_mode: str | None = None) -> gym.Env:
    """TakeCover truncated at `max_steps`: screens uint8 [120, 160, 3], actions float [1] in
    {-1, 0, 1}."""
    return gym.wrappers.TimeLimit(TakeCover(raw_env(render_mode)), max_episode_steps=max_steps)


def raw_env(render_mode: str | None = None) -> gym.Env:
    """VizDoom's own TakeCover at RESOLUTION, its game started as every game here starts
    (`Started`): what a benchmark compares the adapter with, leaving nothing behind either."""
    import vizdoom.gymnasium_wrapper  # noqa: F401  (registers the VizDoom environments)

    return Started(gym.make(ENV_ID, screen_resolution=RESOLUTION, render_mode=render_mode))


class Started(gym.Wrapper):
    """Starts the engine (a reset while it is not running) in a directory of the game's own,
    in the reaper's hands, and removes the directory on close."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self._dir: str | None = None

    def reset(self, *, seed=None, options=None):
        if self.env.unwrapped.game.is_running():
            return self.env.reset(seed=seed, options=options)
        if self._dir is None:
            self._dir = _game_dir()
        return _start(lambda: self.env.reset(seed=seed, options=options), self._dir)

    def close(self):
        super().close()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


class TakeCover(gym.Wrapper):
    """Screens as a Box, actions as {-1, 0, 1}, the last real screen at the terminal step."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.observation_space = gym.spaces.Box(0, 255, FRAMES.shape, np.uint8)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
        self._screen = np.zeros(FRAMES.shape, np.uint8)

    def reset(self, *, seed=None, options=None):
        obs, info = self.env.reset(seed=seed, options=options)
        self._screen = obs["screen"]
        return self._screen, info

    def step(self, action):
        button = _BUTTONS[float(choice(np.asarray(action).reshape(-1)[0]))]
        obs, reward, terminated, truncated, info = self.env.step(button)
        if not terminated:
            self._screen = obs["screen"]
        return self._screen, reward, terminated, truncated, info


def _game_dir() -> str:
    """A new directory for a game's engine, announced to the reaper before it exists, so
    before any engine starts in it: a kill at any moment of a start, even between the
    engine's spawn and the end of `_start`, leaves neither engine nor directory behind."""
    directory = os.path.join(os.path.realpath(tempfile.gettempdir()),
                             f"worldmodels-vizdoom-{secrets.token_hex(8)}")
    os.write(_reaper(), (directory + "\n").encode())
    os.mkdir(directory, 0o700)
    return directory


def _start(reset, directory: str):
    """Starts a game by a reset: one start at a time on this machine, the engine working in
    `directory` (it writes its ini and save folder into its working directory)."""
    with open(_START_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        here = os.getcwd()
        os.chdir(directory)  # the engine process inherits it; this process's is restored
        try:
            return reset()
        finally:
            os.chdir(here)


_REAPER_CODE = """
import os, shutil, signal, sys
dirs = set(sys.stdin.read().splitlines())  # the end of the input: the parent has ended
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/comm") as f:
            engine = f.read() == "vizdoom\\n"
        cwd = os.readlink(f"/proc/{pid}/cwd").removesuffix(" (deleted)")
    except OSError:
        continue
    if engine and cwd in dirs:
        try:
            os.kill(int(pid), signal.SIGKILL)  # an engine ignores SIGTERM
        except OSError:
            pass
for directory in dirs:
    shutil.rmtree(directory, ignore_errors=True)
"""
_reaper_pipe = None  # the write end of the reaper's stdin: a bare descriptor, open for life


def _reaper() -> int:
    """A small process that reads game directories until this process's end closes its
    stdin, then kills the engines working in them and removes them: games this process did
    not close die with it, even on SIGKILL. It finds engines by directory, not by pid, as an
    engine's parent link is lost when its parent dies; it sees the end only once every
    engine forked from this process has exec'd (until then the fork holds the pipe too)."""
    global _reaper_pipe
    if _reaper_pipe is None:
        read, write = os.pipe()  # neither end is inherited by processes started later
        # posix_spawn, not fork: forking a process that runs gRPC's threads makes it log.
        os.posix_spawn(sys.executable, [sys.executable, "-c", _REAPER_CODE], os.environ,
                       file_actions=[(os.POSIX_SPAWN_DUP2, read, 0)], setsid=True)
        os.close(read)
        _reaper_pipe = write
    return _reaper_pipe

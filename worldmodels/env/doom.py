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
  file lock (instances started all at once have crashed), each runs in a temporary directory
  (the engine writes its ini and save folder into its working directory), and a reaper process
  kills every game this process started when this process ends, however it ends (a pipe it
  reads closes), so a killed run leaves no game behind.
"""
from __future__ import annotations

import fcntl
import os
import shutil
import sys
import tempfile

import gymnasium as gym
import numpy as np

from worldmodels.env.frames import FrameSpec

ENV_ID = "VizdoomTakeCover-v1"
RESOLUTION = "RES_160X120"
FRAMES = FrameSpec((120, 160, 3), crop_rows=100)
MAX_STEPS = 2100
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
    import vizdoom.gymnasium_wrapper  # noqa: F401  (registers the VizDoom environments)

    game = gym.make(ENV_ID, screen_resolution=RESOLUTION, render_mode=render_mode)
    return gym.wrappers.TimeLimit(TakeCover(game), max_episode_steps=max_steps)


class TakeCover(gym.Wrapper):
    """Screens as a Box, actions as {-1, 0, 1}, the last real screen at the terminal step,
    and the game started under the lock, in its own directory, watched by the reaper."""

    def __init__(self, env: gym.Env):
        super().__init__(env)
        self.observation_space = gym.spaces.Box(0, 255, FRAMES.shape, np.uint8)
        self.action_space = gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
        self._dir: str | None = None
        self._screen = np.zeros(FRAMES.shape, np.uint8)

    def reset(self, *, seed=None, options=None):
        if self._dir is None:  # the first reset starts the game
            self._dir = tempfile.mkdtemp(prefix="worldmodels-vizdoom-")
            obs, info = _start(lambda: self.env.reset(seed=seed, options=options), self._dir)
        else:
            obs, info = self.env.reset(seed=seed, options=options)
        self._screen = obs["screen"]
        return self._screen, info

    def step(self, action):
        button = _BUTTONS[float(choice(np.asarray(action).reshape(-1)[0]))]
        obs, reward, terminated, truncated, info = self.env.step(button)
        if not terminated:
            self._screen = obs["screen"]
        return self._screen, reward, terminated, truncated, info

    def close(self):
        super().close()
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


def _start(reset, directory: str):
    """Starts a game by its first reset: one start at a time on this machine, the engine's
    files in `directory`, and the new engine process handed to the reaper."""
    before = _game_processes()
    with open(_START_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        here = os.getcwd()
        os.chdir(directory)  # the engine process inherits it; this process's is restored
        try:
            result = reset()
        finally:
            os.chdir(here)
    reaper = _reaper()
    reaper.write("".join(f"pid {pid}\n" for pid in _game_processes() - before)
                 + f"dir {directory}\n")
    reaper.flush()
    return result


def _game_processes() -> set[int]:
    """The VizDoom engine processes this process started."""
    me, found = os.getpid(), set()
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{name}/comm") as f:
                    comm = f.read().strip()
            except OSError:
                continue
            if int(fields[1]) == me and comm == "vizdoom":
                found.add(int(name))
    return found


_REAPER_CODE = """
import os, shutil, signal, sys
lines = [line.split(" ", 1) for line in sys.stdin.read().splitlines()]
for kind, value in lines:
    if kind == "pid":
        try:
            os.kill(int(value), signal.SIGKILL)
        except OSError:
            pass
for kind, value in lines:
    if kind == "dir":
        shutil.rmtree(value, ignore_errors=True)
"""
_reaper_pipe = None  # the write end of the reaper's stdin


def _reaper():
    """A small process that reads game pids and directories until this process's end closes
    its stdin, then kills the games and removes the directories: games this process did not
    close die with it, even on SIGKILL."""
    global _reaper_pipe
    if _reaper_pipe is None:
        read, write = os.pipe()  # neither end is inherited by processes started later
        # posix_spawn, not fork: forking a process that runs gRPC's threads makes it log.
        os.posix_spawn(sys.executable, [sys.executable, "-c", _REAPER_CODE], os.environ,
                       file_actions=[(os.POSIX_SPAWN_DUP2, read, 0)], setsid=True)
        os.close(read)
        _reaper_pipe = os.fdopen(write, "w")
    return _reaper_pipe

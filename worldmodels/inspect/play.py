"""`worldmodels play`: a shipped agent plays its game (CarRacing-v3 or DoomTakeCover, known by
the screens it takes) in this process, with TensorFlow and gymnasium only, and can record what
it sees at the renderer's full size.

Episode i uses seed `seed + i` and steps exactly as the Evaluator's episodes do, so with the
Evaluator's seeds and `env.max_steps` the returns are the ones in its evaluation.json."""
from __future__ import annotations

import importlib.util
import os

import numpy as np

from worldmodels import layout, seeds
from worldmodels.engine.episodes import Job, Observer, play_jobs
from worldmodels.engine.saved_agent import SavedAgentPolicy, agent_game
from worldmodels.env.factory import make_env
from worldmodels.export import serving
from worldmodels.games import Game
from worldmodels.inspect import visuals

FPS = 50  # CarRacing's own frame rate: recordings play in real time


class Recorder:
    """Frames of every episode into one .gif (kept in memory until the end, ~250 KB a frame
    at full size) or .mp4 (streamed; needs imageio's ffmpeg plugin). Each frame carries a
    caption strip (seed, step, return) under the rendered 600x400 image."""

    def __init__(self, path: str):
        ext = os.path.splitext(path)[1].lower()
        if ext not in (".gif", ".mp4"):
            raise ValueError(f"--record {path}: expected a .gif or .mp4 path")
        if ext == ".mp4" and importlib.util.find_spec("imageio_ffmpeg") is None:
            raise ValueError(f"--record {path}: .mp4 needs imageio's ffmpeg plugin "
                             "(pip install imageio-ffmpeg); record a .gif instead")
        if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise ValueError(f"--record {path}: no such directory")
        self.path, self.frames = path, 0
        self._gif: list | None = None
        self._mp4 = None
        if ext == ".gif":
            self._gif = []
        else:
            import imageio.v2 as imageio

            self._mp4 = imageio.get_writer(path, fps=FPS, macro_block_size=8)

    def add(self, frame: np.ndarray, text: str) -> None:
        frame = visuals.caption(frame, text)
        if self._gif is not None:
            self._gif.append(visuals.gif_frame(frame))
        else:
            self._mp4.append_data(frame)
        self.frames += 1

    def close(self) -> None:
        if self._gif:
            visuals.write_gif(self._gif, self.path, FPS)
        elif self._mp4 is not None:
            self._mp4.close()


def _serving_dir(agent_dir: str) -> str:
    """Accepts the agent artifact's directory or its Format-Serving directory."""
    inner = os.path.join(agent_dir, layout.SERVING_DIR)
    return inner if os.path.isdir(inner) else agent_dir


def action_summary(actions: np.ndarray, game: Game) -> str:
    """What an episode's actions [T, action_size] were, in a few words: how often TakeCover's
    agent chose each way, or CarRacing's mean steer (and its spread), gas and brake. A dream
    exploited shows here first: an agent that always goes left, or holds full gas."""
    if game.action_mapping == "choice":
        choices = actions[:, 0]
        return ", ".join(f"{name} {int(np.sum(choices == value))}"
                         for name, value in (("left", -1.0), ("stay", 0.0), ("right", 1.0)))
    steer, gas, brake = actions[:, 0], actions[:, 1], actions[:, 2]
    return (f"steer {steer.mean():+.2f} +- {steer.std():.2f}, gas {gas.mean():.2f}, "
            f"brake {brake.mean():.2f}")


class _Console(Observer):
    """Prints each episode's return and what the agent did, and records its rendered frames,
    captioned."""

    def __init__(self, env, jobs: list[Job], recorder: Recorder | None, game: Game):
        self.env, self.jobs, self.recorder, self.game = env, jobs, recorder, game
        self.returns: list[float] = []

    def started(self, slot, job, frame):
        self._steps, self._total, self._actions = 0, 0.0, []
        self._record(job)

    def stepped(self, slot, job, action, frame, reward):
        self._steps += 1
        self._total += reward
        self._actions.append(np.asarray(action, np.float32).reshape(-1))
        self._record(job)

    def ended(self, slot, job, episode_return, steps, terminated, truncated):
        self.returns.append(episode_return)
        actions = np.stack(self._actions) if self._actions else np.zeros(
            (0, self.game.action_size), np.float32)
        print(f"episode {job + 1}/{len(self.jobs)} (seed {self.jobs[job].seed}): return "
              f"{episode_return:.2f} in {steps} steps; {action_summary(actions, self.game)}",
              flush=True)

    def _record(self, job: int) -> None:
        if self.recorder:
            self.recorder.add(self.env.render(), f"seed {self.jobs[job].seed}  step "
                                                 f"{self._steps}  return {self._total:.1f}")


def play(agent_dir: str, episodes: int = 1, seed: int = seeds.EVALUATOR_DEFAULT,
         record: str | None = None, max_steps: int | None = None) -> list[float]:
    """Runs `episodes` episodes (seeds seed, seed+1, ...), prints each return with what the
    agent did (action_summary) and the mean and std, and returns the returns. With `record`, every frame, the first one after reset
    included, goes into that .gif or .mp4: steps + 1 frames an episode."""
    if episodes < 1:
        raise ValueError(f"--episodes {episodes}: must be at least 1")
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"--max-steps {max_steps}: must be at least 1")
    recorder = Recorder(record) if record else None
    agent = serving.load(_serving_dir(agent_dir))
    played = agent_game(agent)
    env = make_env(played.env_id, max_steps or played.max_steps, render_mode="rgb_array")
    jobs = [Job(0, seed + i) for i in range(episodes)]
    console = _Console(env, jobs, recorder, played)
    try:
        play_jobs([env], SavedAgentPolicy(agent), jobs, console)
    finally:
        env.close()
        if recorder:
            recorder.close()
    returns = console.returns
    print(f"mean return {np.mean(returns):.2f} +- {np.std(returns):.2f} over {episodes} "
          f"episode{'s' if episodes > 1 else ''}")
    if recorder:
        print(f"recorded {recorder.frames} frames to {record}")
    return returns


def main_play(args) -> int:
    """`worldmodels play AGENT_DIR [--episodes N] [--seed S] [--record out.gif] [--max-steps N]`."""
    play(args.agent_dir, args.episodes, args.seed, args.record, args.max_steps)
    return 0

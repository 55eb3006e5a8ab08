"""`worldmodels play`: a shipped agent drives CarRacing-v3 in this process, with TensorFlow and
gymnasium only, and can record what it sees at the renderer's full size (600x400).

Episode i uses seed `seed + i` and steps exactly as the Evaluator's episodes do, so with the
Evaluator's seeds and `env.max_steps` the returns are the ones in its evaluation.json."""
from __future__ import annotations

import importlib.util
import os

import numpy as np

from worldmodels import env as envlib
from worldmodels import layout, seeds, serving, visuals

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


def play(agent_dir: str, episodes: int = 1, seed: int = seeds.EVALUATOR_DEFAULT, record: str | None = None,
         max_steps: int = 1000) -> list[float]:
    """Runs `episodes` episodes (seeds seed, seed+1, ...), prints each return and the mean and
    std, and returns the returns. With `record`, every frame, the first one after reset
    included, goes into that .gif or .mp4: steps + 1 frames an episode."""
    if episodes < 1:
        raise ValueError(f"--episodes {episodes}: must be at least 1")
    if max_steps < 1:
        raise ValueError(f"--max-steps {max_steps}: must be at least 1")
    recorder = Recorder(record) if record else None
    agent = serving.load(_serving_dir(agent_dir))
    env = envlib.make_env(envlib.ENV_ID, max_steps, render_mode="rgb_array")
    returns = []
    try:
        for i in range(episodes):
            episode_seed = seed + i
            obs, _ = env.reset(seed=episode_seed)
            state = agent.initial_state(1)
            total, steps, done = 0.0, 0, False
            if recorder:
                recorder.add(env.render(), f"seed {episode_seed}  step 0  return 0.0")
            while not done:
                action, state = agent.act(obs[None], state)
                obs, reward, terminated, truncated, _ = env.step(action.numpy()[0])
                total += reward
                steps += 1
                done = terminated or truncated
                if recorder:
                    recorder.add(env.render(),
                                 f"seed {episode_seed}  step {steps}  return {total:.1f}")
            returns.append(total)
            print(f"episode {i + 1}/{episodes} (seed {episode_seed}): return {total:.2f} "
                  f"in {steps} steps", flush=True)
    finally:
        env.close()
        if recorder:
            recorder.close()
    print(f"mean return {np.mean(returns):.2f} +- {np.std(returns):.2f} over {episodes} "
          f"episode{'s' if episodes > 1 else ''}")
    if recorder:
        print(f"recorded {recorder.frames} frames to {record}")
    return returns


def main_play(args) -> int:
    """`worldmodels play AGENT_DIR [--episodes N] [--seed S] [--record out.gif] [--max-steps N]`."""
    play(args.agent_dir, args.episodes, args.seed, args.record, args.max_steps)
    return 0

"""play(): the shipped agent on CarRacing-v3 reproduces the Evaluator's returns for the
Evaluator's seeds, prints them, and records every rendered frame."""
from __future__ import annotations

import importlib.util
import json
import os
import re

import numpy as np
import pytest
from PIL import Image

from worldmodels import games
from worldmodels.inspect import metadata, play, visuals

RENDER_SIZE = (600, 400)  # CarRacing-v3's rgb_array frames (width, height)


def _evaluation(root: str) -> dict:
    store = metadata.open_store(root)
    runs = metadata.finished_executions(store, metadata.EVALUATOR_TYPE)
    uri = metadata.output_artifacts(store, runs[-1].id)["evaluation"].uri
    with open(os.path.join(uri, "evaluation.json")) as f:
        return json.load(f)


@pytest.mark.slow
def test_play_reproduces_the_evaluator_and_records_every_frame(tiny_run, tmp_path, capsys):
    evaluation = _evaluation(tiny_run)
    seeds = evaluation["seeds"]
    assert seeds == list(range(seeds[0], seeds[0] + len(seeds)))  # play's seeds too
    gif = str(tmp_path / "play.gif")
    returns = play.play(metadata.latest_agent(tiny_run).agent_dir, len(seeds), seeds[0],
                        record=gif, max_steps=80)  # tiny's env.max_steps
    assert returns == evaluation["returns"]  # exactly: same seeds, same steps
    out = capsys.readouterr().out
    steps = [int(n) for n in re.findall(r"in (\d+) steps", out)]
    assert len(steps) == len(seeds) and all(0 < n <= 80 for n in steps)
    for seed, ret in zip(seeds, evaluation["returns"]):
        assert f"(seed {seed}): return {ret:.2f}" in out
    assert len(re.findall(r"steps; steer [+-]\d\.\d\d \+- \d\.\d\d, gas \d\.\d\d, brake "
                          r"\d\.\d\d\n", out)) == len(seeds)
    assert f"mean return {evaluation['mean']:.2f} +- {evaluation['std']:.2f}" in out
    with Image.open(gif) as image:
        # the frame after each reset plus one per step, each with its caption strip
        assert image.n_frames == sum(steps) + len(seeds)
        assert image.size == (RENDER_SIZE[0], RENDER_SIZE[1] + visuals.CAPTION_HEIGHT)
    assert f"recorded {sum(steps) + len(seeds)} frames to {gif}" in out


@pytest.mark.slow
def test_play_takes_the_agent_artifact_directory(tiny_run, capsys):
    agent_dir = os.path.dirname(metadata.latest_agent(tiny_run).agent_dir)  # without Format-Serving
    assert len(play.play(agent_dir, 1, 0, max_steps=3)) == 1
    assert "in 3 steps" in capsys.readouterr().out


def test_what_the_agent_did_is_said_per_game():
    choices = np.array([[-1.0], [-1.0], [0.0], [1.0], [-1.0]], np.float32)
    assert play.action_summary(choices, games.TAKE_COVER_GAME) == "left 3, stay 1, right 1"
    driving = np.array([[-0.5, 1.0, 0.0], [0.5, 0.5, 0.2]], np.float32)
    assert play.action_summary(driving, games.CAR_RACING_GAME) == (
        "steer +0.00 +- 0.50, gas 0.75, brake 0.10")


@pytest.mark.parametrize("path, message", [
    ("out.avi", "--record out.avi: expected a .gif or .mp4 path"),
    ("/no/such/dir/out.gif", "--record /no/such/dir/out.gif: no such directory"),
])
def test_bad_record_paths_fail_before_playing(path, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        play.play("/nonexistent-agent", record=path)


@pytest.mark.skipif(importlib.util.find_spec("imageio_ffmpeg") is not None,
                    reason="imageio's ffmpeg plugin is installed")
def test_mp4_without_ffmpeg_names_the_flag(tmp_path):
    with pytest.raises(ValueError, match=r"--record .*out\.mp4: \.mp4 needs imageio's ffmpeg"):
        play.play("/nonexistent-agent", record=str(tmp_path / "out.mp4"))


def test_bad_counts_name_their_flags():
    with pytest.raises(ValueError, match="--episodes 0"):
        play.play("/nonexistent-agent", episodes=0)
    with pytest.raises(ValueError, match="--max-steps 0"):
        play.play("/nonexistent-agent", max_steps=0)

"""DoomTakeCover through its adapter: the screens and the crop V sees, C's output as the
game's left/stay/right, the episode cap, no blank terminal screen, the explorer, no game
process left behind after a close or a kill (at any moment of its start too), and no file
written where a game was played."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import numpy as np
import pytest

from tests.pipeline.runs import REPO
from worldmodels.engine import episodes
from worldmodels.env import doom
from worldmodels.env.explore import Explorer, HeldUniformPolicy
from worldmodels.env.factory import make_env
from worldmodels.games import game


def game_processes() -> set[int]:
    out = subprocess.run(["pgrep", "-x", "vizdoom"], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


MARK = "WORLDMODELS_TEST_GAMES"  # engines inherit it from the process that starts them


def games_started_here() -> set[int]:
    """Live engines whose parent is this process (other runs may play on this machine)."""
    found = set()
    for pid in game_processes():
        try:
            with open(f"/proc/{pid}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == os.getpid():
                    found.add(pid)
        except OSError:
            pass
    return found


def marked_games(mark: str) -> set[int]:
    """Live engines started by a process whose environment carries `mark` (a zombie's
    environment reads empty)."""
    found = set()
    for pid in game_processes():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if f"{MARK}={mark}".encode() in f.read().split(b"\0"):
                    found.add(pid)
        except OSError:
            pass
    return found


def wait_for(condition, seconds: float) -> bool:
    deadline = time.time() + seconds
    while not condition() and time.time() < deadline:
        time.sleep(0.005)
    return condition()


@pytest.fixture
def env():
    env = make_env(doom.ENV_ID, max_steps=60)
    yield env
    env.close()


def test_screens_are_160x120_and_v_sees_the_top_100_rows(env):
    frame, _ = env.reset(seed=3)
    assert frame.shape == (120, 160, 3) and frame.dtype == np.uint8 and frame.any()
    assert doom.FRAMES.crop_rows / doom.FRAMES.shape[0] == 400 / 480  # the paper's crop
    assert doom.FRAMES.preprocess(frame).shape == (64, 64, 3)


def test_c_s_output_picks_left_stay_or_right_as_vizdoom_numbers_them(env):
    env.reset(seed=3)
    buttons = [str(b) for b in env.unwrapped.game.get_available_buttons()]
    assert buttons == ["Button.MOVE_LEFT", "Button.MOVE_RIGHT"]
    button_map = env.unwrapped.button_map
    assert list(button_map[doom.LEFT]) == [1, 0] and list(button_map[doom.RIGHT]) == [0, 1]
    assert not any(button_map[doom.STAY])
    np.testing.assert_array_equal(doom.choice([-0.9, -0.34, -0.3, 0.0, 0.3, 0.34, 0.9]),
                                  [-1, -1, 0, 0, 0, 1, 1])
    assert game(doom.ENV_ID).action_size == 1


def test_episodes_are_capped_and_never_end_on_a_blank_screen():
    env = make_env(doom.ENV_ID, max_steps=2100)
    try:
        env.reset(seed=1)
        done, steps, frame = False, 0, None
        while not done:  # standing still: the fireballs end it well before the cap
            frame, reward, terminated, truncated, _ = env.step(np.zeros(1, np.float32))
            steps += 1
            assert reward == 1.0
            done = terminated or truncated
        assert terminated and steps < 2100 and frame.any()
    finally:
        env.close()
    capped = make_env(doom.ENV_ID, max_steps=5)
    try:
        capped.reset(seed=1)
        results = [capped.step(np.zeros(1, np.float32)) for _ in range(5)]
        assert results[-1][3] and not any(r[3] for r in results[:-1])  # truncated at the 5th
    finally:
        capped.close()


def test_the_explorer_holds_each_choice_for_1_to_10_steps_and_is_seeded():
    stream = HeldUniformPolicy(7)
    actions = np.array([stream()[0] for _ in range(4000)])
    assert set(actions) == {-1.0, 0.0, 1.0}
    again = HeldUniformPolicy(7)
    np.testing.assert_array_equal([again()[0] for _ in range(4000)], actions)
    other = HeldUniformPolicy(8)
    assert not np.array_equal([other()[0] for _ in range(4000)], actions)
    # Holds average 5.5 steps; a third of them repeat the choice before, so runs of one
    # choice average 5.5 * 1.5 steps.
    runs = np.diff(np.flatnonzero(np.diff(actions) != 0))
    assert 7.0 < runs.mean() < 9.5


def test_collected_episodes_record_the_choices_and_64x64_frames(env):
    collected = []
    episodes.collect_episodes(env, game(doom.ENV_ID), Explorer(doom.ENV_ID), [5, 6],
                              lambda i, e: collected.append(e))
    for episode in collected:
        assert episode.observations.shape == (episode.length + 1, 64, 64, 3)
        assert episode.actions.shape == (episode.length, 1)
        assert set(np.unique(episode.actions)) <= {-1.0, 0.0, 1.0}
        assert episode.episode_return == episode.length  # +1 a tic survived
        assert episode.observations[-1].any()


def test_no_game_is_left_after_close_or_after_a_kill(tmp_path):
    env = make_env(doom.ENV_ID, max_steps=10)
    env.reset(seed=0)
    assert len(games_started_here()) == 1
    env.close()
    time.sleep(0.5)
    assert games_started_here() == set()
    script = ("from worldmodels.env.factory import make_env\n"
              "envs = [make_env('VizdoomTakeCover-v1', 10) for _ in range(2)]\n"
              "[e.reset(seed=i) for i, e in enumerate(envs)]\n"
              "print('ready', flush=True)\n"
              "import time; time.sleep(120)\n")
    mark = uuid.uuid4().hex
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=str(tmp_path), text=True,
                            stdout=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": REPO, MARK: mark})
    assert proc.stdout.readline().strip() == "ready"
    assert len(marked_games(mark)) == 2
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert wait_for(lambda: not marked_games(mark), 10)
    assert os.listdir(tmp_path) == []  # the engine wrote nothing where it was started


START_THEN_WAIT = ("from worldmodels.env.factory import make_env\n"
                   "env = make_env('VizdoomTakeCover-v1', 300)\n"
                   "print('starting', flush=True)\n"
                   "env.reset(seed=0)\n"
                   "import time; time.sleep(120)\n")


@pytest.mark.parametrize("kill_at", [("starting", 0.0), ("engine", 0.0), ("engine", 0.05),
                                     ("engine", 0.15), ("engine", 0.3)])
def test_a_kill_at_any_moment_of_a_start_leaves_no_game(kill_at, tmp_path):
    """The window that matters: from just before the engine's spawn to the end of its start
    (a game started about 0.25 s after its engine appears). The game's directory goes too."""
    event, delay = kill_at
    mark = uuid.uuid4().hex
    proc = subprocess.Popen([sys.executable, "-c", START_THEN_WAIT], text=True,
                            stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": REPO,
                                                         MARK: mark, "TMPDIR": str(tmp_path)})
    try:
        assert proc.stdout.readline().strip() == "starting"
        if event == "engine":
            assert wait_for(lambda: marked_games(mark), 10)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        time.sleep(1)  # an engine forked just before the kill may still be exec'ing
        assert wait_for(lambda: not marked_games(mark), 10)
        lock = os.path.basename(doom._START_LOCK)
        assert wait_for(lambda: set(os.listdir(tmp_path)) <= {lock}, 5), os.listdir(tmp_path)
    finally:
        proc.kill()
        for pid in marked_games(mark):
            os.kill(pid, signal.SIGKILL)


def test_games_played_and_closed_write_nothing_where_they_were_played(tmp_path):
    """The adapter's game and VizDoom's own (what benchmarks compare it with) both write their
    ini and save folder in a directory of their own, never the working directory."""
    script = ("import numpy as np\n"
              "from worldmodels.env import doom\n"
              "for env, action in [(doom.make(10), np.zeros(1, np.float32)),\n"
              "                    (doom.raw_env(), doom.STAY)]:\n"
              "    env.reset(seed=0)\n"
              "    env.step(action)\n"
              "    env.close()\n")
    subprocess.run([sys.executable, "-c", script], cwd=str(tmp_path), check=True,
                   env={**os.environ, "PYTHONPATH": REPO}, timeout=60)
    time.sleep(0.5)
    assert os.listdir(tmp_path) == []

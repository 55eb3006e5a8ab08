"""The explorer: seeded per episode, within the action space, one stream per slot."""
from __future__ import annotations

import numpy as np

from worldmodels.engine.episodes import Job
from worldmodels.env import car_racing
from worldmodels.env.explore import BrownianPolicy, Explorer


def test_brownian_explorer_is_seeded_and_in_bounds():
    p1, p2, p3 = BrownianPolicy(4), BrownianPolicy(4), BrownianPolicy(5)
    s1 = np.array([p1() for _ in range(200)])
    s2 = np.array([p2() for _ in range(200)])
    s3 = np.array([p3() for _ in range(200)])
    np.testing.assert_array_equal(s1, s2)
    assert not np.array_equal(s1, s3)
    assert (s1 >= car_racing.ACTION_LOW).all() and (s1 <= car_racing.ACTION_HIGH).all()


def test_each_slot_of_the_explorer_plays_its_own_episode_stream():
    explorer = Explorer()
    explorer.reset(2)
    explorer.begin(0, Job(0, 4))
    explorer.begin(1, Job(0, 5))
    frames = np.zeros((2, 96, 96, 3), np.uint8)
    both = [explorer.act(frames, slice(None)) for _ in range(3)]
    one = [explorer.act(frames[1:], np.array([1]))[0] for _ in range(2)]
    alone4, alone5 = BrownianPolicy(4), BrownianPolicy(5)
    np.testing.assert_array_equal([b[0] for b in both], [alone4() for _ in range(3)])
    np.testing.assert_array_equal([b[1] for b in both] + one, [alone5() for _ in range(5)])

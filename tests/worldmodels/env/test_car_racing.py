"""Frame preprocessing: the crop drops the dashboard, the resize averages exactly."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels.env import car_racing


def test_crop_drops_the_dashboard_rows_only():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (96, 96, 3), dtype=np.uint8)
    out = car_racing.preprocess(frame)
    assert out.shape == (64, 64, 3) and out.dtype == np.uint8
    dashboard = frame.copy()
    dashboard[84:] = 255 - dashboard[84:]
    np.testing.assert_array_equal(car_racing.preprocess(dashboard), out)
    top = frame.copy()
    top[0] = 255 - top[0]
    assert not np.array_equal(car_racing.preprocess(top), out)


def test_constant_frames_stay_constant_and_batches_work():
    frames = np.stack([np.full((96, 96, 3), v, np.uint8) for v in (0, 37, 255)])
    out = car_racing.preprocess(frames)
    for v, o in zip((0, 37, 255), out):
        assert (o == v).all()


def test_wrong_frame_shape_is_named():
    with pytest.raises(ValueError, match="^frame: expected uint8"):
        car_racing.preprocess(np.zeros((64, 64, 3), np.uint8))

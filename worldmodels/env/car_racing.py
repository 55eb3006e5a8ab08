"""CarRacing-v3: its frames, actions and rewards, and the preprocessing of frames for V.

Preprocessing (H's and Z's choice): keep rows 0..83 of the 96x96 frame, dropping the 12-row
dashboard at the bottom, then area-resize the 84x96 crop to 64x64 (env.frames).
"""
from __future__ import annotations

import numpy as np

from worldmodels.env.frames import FrameSpec

ENV_ID = "CarRacing-v3"
FRAME_SHAPE = (96, 96, 3)
CROP_ROWS = 84  # rows 0..83; rows 84..95 are the dashboard
ACTION_LOW = np.array([-1.0, 0.0, 0.0], np.float32)
ACTION_HIGH = np.array([1.0, 1.0, 1.0], np.float32)
STEP_COST = 0.1  # CarRacing's reward is -0.1 a frame, +1000/N for each of N tiles first visited


FRAMES = FrameSpec(FRAME_SHAPE, CROP_ROWS)


def preprocess(frames: np.ndarray) -> np.ndarray:
    """uint8 [..., 96, 96, 3] CarRacing frames -> uint8 [..., 64, 64, 3] observations."""
    return FRAMES.preprocess(frames)

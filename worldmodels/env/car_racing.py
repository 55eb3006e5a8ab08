"""CarRacing-v3: its frames, actions and rewards, and the preprocessing of frames for V.

Preprocessing (H's and Z's choice): keep rows 0..83 of the 96x96 frame, dropping the 12-row
dashboard at the bottom, then area-resize the 84x96 crop to 64x64 (worldmodels.frames).
"""
from __future__ import annotations

import numpy as np

from worldmodels.games import CAR_RACING_GAME

ENV_ID, FRAMES, STEP_COST = (CAR_RACING_GAME.env_id, CAR_RACING_GAME.frames,
                              CAR_RACING_GAME.step_cost)
ACTION_LOW = np.array([-1.0, 0.0, 0.0], np.float32)
ACTION_HIGH = np.array([1.0, 1.0, 1.0], np.float32)


def preprocess(frames: np.ndarray) -> np.ndarray:
    """uint8 [..., 96, 96, 3] CarRacing frames -> uint8 [..., 64, 64, 3] observations."""
    return FRAMES.preprocess(frames)

"""CarRacing-v3: its frames, actions and rewards, and the preprocessing of frames for V.

Preprocessing (H's and Z's choice): keep rows 0..83 of the 96x96 frame, dropping the 12-row
dashboard at the bottom, then area-resize the 84x96 crop to 64x64 and round to uint8. The resize
is a fixed pair of matrices, so it is exact, batched and identical in numpy and TensorFlow.
"""
from __future__ import annotations

import numpy as np

ENV_ID = "CarRacing-v3"
FRAME_SHAPE = (96, 96, 3)
CROP_ROWS = 84  # rows 0..83; rows 84..95 are the dashboard
OBS_SIZE = 64
OBS_SHAPE = (OBS_SIZE, OBS_SIZE, 3)
ACTION_LOW = np.array([-1.0, 0.0, 0.0], np.float32)
ACTION_HIGH = np.array([1.0, 1.0, 1.0], np.float32)
STEP_COST = 0.1  # CarRacing's reward is -0.1 a frame, +1000/N for each of N tiles first visited


def area_resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """[n_out, n_in] weights averaging each output pixel's span of input pixels (box filter)."""
    scale = n_in / n_out
    m = np.zeros((n_out, n_in), np.float64)
    for i in range(n_out):
        lo, hi = i * scale, (i + 1) * scale
        for j in range(int(np.floor(lo)), min(int(np.ceil(hi)), n_in)):
            m[i, j] = (min(hi, j + 1) - max(lo, j)) / scale
    return m.astype(np.float32)


ROW_MATRIX = area_resize_matrix(CROP_ROWS, OBS_SIZE)
COL_MATRIX = area_resize_matrix(FRAME_SHAPE[1], OBS_SIZE)


def preprocess(frames: np.ndarray) -> np.ndarray:
    """uint8 [..., 96, 96, 3] CarRacing frames -> uint8 [..., 64, 64, 3] observations."""
    frames = np.asarray(frames)
    if frames.shape[-3:] != FRAME_SHAPE or frames.dtype != np.uint8:
        raise ValueError(f"frame: expected uint8 [..., 96, 96, 3], got {frames.dtype} {frames.shape}")
    crop = frames[..., :CROP_ROWS, :, :].astype(np.float32)
    out = np.einsum("ij,...jkc,lk->...ilc", ROW_MATRIX, crop, COL_MATRIX, optimize=True)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)

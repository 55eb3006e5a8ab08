"""What V sees of a game's screen: the top rows (a HUD or dashboard below is dropped),
area-resized to 64x64 and rounded to uint8. The resize is a fixed pair of matrices, so it is
exact, batched, and the same in numpy and in TensorFlow (models.world_model.preprocess)."""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

OBS_SIZE = 64
OBS_SHAPE = (OBS_SIZE, OBS_SIZE, 3)


def area_resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """[n_out, n_in] weights averaging each output pixel's span of input pixels (box filter)."""
    scale = n_in / n_out
    m = np.zeros((n_out, n_in), np.float64)
    for i in range(n_out):
        lo, hi = i * scale, (i + 1) * scale
        for j in range(int(np.floor(lo)), min(int(np.ceil(hi)), n_in)):
            m[i, j] = (min(hi, j + 1) - max(lo, j)) / scale
    return m.astype(np.float32)


@dataclass(frozen=True)
class FrameSpec:
    """A screen of `shape` (rows, columns, 3) whose rows 0..crop_rows-1 V sees."""
    shape: tuple[int, int, int]
    crop_rows: int

    @functools.cached_property
    def row_matrix(self) -> np.ndarray:
        return area_resize_matrix(self.crop_rows, OBS_SIZE)

    @functools.cached_property
    def col_matrix(self) -> np.ndarray:
        return area_resize_matrix(self.shape[1], OBS_SIZE)

    def preprocess(self, frames: np.ndarray) -> np.ndarray:
        """uint8 [..., *shape] screens -> uint8 [..., 64, 64, 3] observations."""
        frames = np.asarray(frames)
        if frames.shape[-3:] != self.shape or frames.dtype != np.uint8:
            raise ValueError(f"frame: expected uint8 [..., {', '.join(map(str, self.shape))}], "
                             f"got {frames.dtype} {frames.shape}")
        crop = frames[..., :self.crop_rows, :, :].astype(np.float32)
        out = np.einsum("ij,...jkc,lk->...ilc", self.row_matrix, crop, self.col_matrix,
                        optimize=True)
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)

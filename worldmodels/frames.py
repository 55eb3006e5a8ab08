"""What V sees of a game's screen: the top rows (a HUD or dashboard below is dropped),
area-resized to 64x64 and rounded to uint8.

The area resize n_in -> 64 averages each output pixel's span of input pixels. Its matrix is
block diagonal: with n_in / 64 = p / q in lowest terms, every q outputs average their own p
inputs with the same [q, p] weights (84 -> 64 rows: 4 blocks of 16 x 21; 96 -> 64 columns: 32
blocks of 2 x 3). The resize multiplies by the blocks only, a fraction of the dense products'
arithmetic and no transposes, the same way in numpy and in TensorFlow
(models.world_model.preprocess). It is exact: each output is an integer over p_rows * p_cols,
odd for both games (63, 125), so never within 1/(2 p_rows p_cols) of a rounding boundary, far
beyond float32's error: any order of summation rounds to the same uint8."""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

OBS_SIZE = 64
OBS_SHAPE = (OBS_SIZE, OBS_SIZE, 3)
_CHUNK = 32  # frames resized at a time: a whole episode's floats would overflow the caches


def area_resize_matrix(n_in: int, n_out: int) -> np.ndarray:
    """[n_out, n_in] weights averaging each output pixel's span of input pixels (box filter)."""
    scale = n_in / n_out
    m = np.zeros((n_out, n_in), np.float64)
    for i in range(n_out):
        lo, hi = i * scale, (i + 1) * scale
        for j in range(int(np.floor(lo)), min(int(np.ceil(hi)), n_in)):
            m[i, j] = (min(hi, j + 1) - max(lo, j)) / scale
    return m.astype(np.float32)


def area_resize_block(n_in: int, n_out: int) -> np.ndarray:
    """The [q, p] block repeated n_out / q times down area_resize_matrix's diagonal."""
    g = math.gcd(n_in, n_out)
    return area_resize_matrix(n_in, n_out)[: n_out // g, : n_in // g]


@dataclass(frozen=True)
class FrameSpec:
    """A screen of `shape` (rows, columns, 3) whose rows 0..crop_rows-1 V sees."""
    shape: tuple[int, int, int]
    crop_rows: int

    @functools.cached_property
    def row_block(self) -> np.ndarray:
        """[q, p]: p cropped rows -> q observation rows."""
        return area_resize_block(self.crop_rows, OBS_SIZE)

    @functools.cached_property
    def col_kernel(self) -> np.ndarray:
        """[p * 3, q * 3]: p screen pixels' RGB -> q observation pixels' RGB."""
        return np.kron(area_resize_block(self.shape[1], OBS_SIZE).T, np.eye(3, dtype=np.float32))

    def preprocess(self, frames: np.ndarray) -> np.ndarray:
        """uint8 [..., *shape] screens -> uint8 [..., 64, 64, 3] observations."""
        frames = np.asarray(frames)
        if frames.shape[-3:] != self.shape or frames.dtype != np.uint8:
            raise ValueError(f"frame: expected uint8 [..., {', '.join(map(str, self.shape))}], "
                             f"got {frames.dtype} {frames.shape}")
        flat = frames.reshape(-1, *self.shape)
        out = np.empty((len(flat), *OBS_SHAPE), np.uint8)
        for i in range(0, len(flat), _CHUNK):
            out[i:i + _CHUNK] = self._resize(flat[i:i + _CHUNK])
        return out.reshape(*frames.shape[:-3], *OBS_SHAPE)

    def _resize(self, frames: np.ndarray) -> np.ndarray:
        crop = frames[:, :self.crop_rows].astype(np.float32)
        cols = crop.reshape(-1, self.col_kernel.shape[0]) @ self.col_kernel
        rows = self.row_block @ cols.reshape(-1, self.row_block.shape[1], OBS_SIZE * 3)
        return np.clip(np.rint(rows.reshape(-1, *OBS_SHAPE)), 0, 255)

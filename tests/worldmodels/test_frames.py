"""The area resize by blocks is the dense box filter, exactly, for each game's screens."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels.env import car_racing, doom
from worldmodels.frames import OBS_SIZE, area_resize_block, area_resize_matrix

SPECS = [car_racing.FRAMES, doom.FRAMES]


def test_area_matrix_rows_average():
    for n_in in (84, 96, 100, 160):
        m = area_resize_matrix(n_in, OBS_SIZE)
        np.testing.assert_allclose(m.sum(axis=1), 1.0, rtol=1e-6)
        assert (m >= 0).all()


@pytest.mark.parametrize("n_in,block_shape", [(84, (16, 21)), (96, (2, 3)), (100, (16, 25)),
                                              (160, (2, 5))])
def test_the_matrix_is_its_block_down_the_diagonal(n_in, block_shape):
    block = area_resize_block(n_in, OBS_SIZE)
    assert block.shape == block_shape
    np.testing.assert_array_equal(np.kron(np.eye(OBS_SIZE // block_shape[0]), block),
                                  area_resize_matrix(n_in, OBS_SIZE))


@pytest.mark.parametrize("spec", SPECS)
def test_block_resize_equals_the_dense_box_filter(spec):
    """The stored observations are what the dense definition gives, in float64, rounded."""
    rng = np.random.default_rng(11)
    frames = rng.integers(0, 256, (40, *spec.shape), dtype=np.uint8)
    frames[:20] = rng.choice([0, 1, 254, 255], (20, *spec.shape))  # extremes
    rows = area_resize_matrix(spec.crop_rows, OBS_SIZE).astype(np.float64)
    cols = area_resize_matrix(spec.shape[1], OBS_SIZE).astype(np.float64)
    dense = np.einsum("ij,bjkc,lk->bilc", rows, frames[:, :spec.crop_rows].astype(np.float64),
                      cols)
    np.testing.assert_array_equal(spec.preprocess(frames), np.rint(dense).astype(np.uint8))


@pytest.mark.parametrize("spec", SPECS)
def test_one_screen_and_a_batch_agree(spec):
    frames = np.random.default_rng(12).integers(0, 256, (2, 3, *spec.shape), dtype=np.uint8)
    batch = spec.preprocess(frames)
    assert batch.shape == (2, 3, OBS_SIZE, OBS_SIZE, 3)
    np.testing.assert_array_equal(spec.preprocess(frames[1, 2]), batch[1, 2])

"""The agent step's TensorFlow preprocessing equals the numpy one the rollouts store."""
from __future__ import annotations

import numpy as np

from worldmodels.env import car_racing
from worldmodels.models import world_model


def test_tf_preprocessing_equals_numpy():
    frames = np.random.default_rng(3).integers(0, 256, (5, 96, 96, 3), dtype=np.uint8)
    np.testing.assert_array_equal(np.rint(world_model.preprocess(frames).numpy() * 255),
                                  car_racing.preprocess(frames))

"""The agent step's TensorFlow preprocessing equals the numpy one the rollouts store, for
each game's screens."""
from __future__ import annotations

import numpy as np
import pytest

from worldmodels.env import car_racing, doom
from worldmodels.models import world_model


@pytest.mark.parametrize("spec", [car_racing.FRAMES, doom.FRAMES])
def test_tf_preprocessing_equals_numpy(spec):
    frames = np.random.default_rng(3).integers(0, 256, (5, *spec.shape), dtype=np.uint8)
    np.testing.assert_array_equal(np.rint(world_model.preprocess(frames, spec).numpy() * 255),
                                  spec.preprocess(frames))

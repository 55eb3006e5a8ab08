"""C: 867 parameters, the paper's action mapping, one controller per environment."""
from __future__ import annotations

import math

import numpy as np
import pytest

from worldmodels.models import controller


def test_parameter_count_and_layout():
    assert controller.parameter_count() == 867
    params = np.arange(867, dtype=np.float32)
    w, b = controller.unflatten(params, 288)
    assert w.shape == (288, 3) and b.tolist() == [864.0, 865.0, 866.0]
    with pytest.raises(ValueError, match="^controller parameters: expected 867"):
        controller.unflatten(np.zeros(10), 288)


def test_action_mapping_and_per_environment_parameters():
    z, h = np.zeros((2, 32), np.float32), np.zeros((2, 256), np.float32)
    params = np.zeros((2, 867), np.float32)
    params[0, 864:] = [0.5, 0.2, -0.3]
    params[1, 864:] = [-0.5, -1.0, 2.0]
    w, b = controller.unflatten(params, 288)
    actions = controller.act(z, h, w, b).numpy()
    np.testing.assert_allclose(actions[0], [math.tanh(0.5), (math.tanh(0.2) + 1) / 2, 0.0], rtol=1e-6)
    np.testing.assert_allclose(actions[1], [math.tanh(-0.5), (math.tanh(-1.0) + 1) / 2, math.tanh(2.0)],
                               rtol=1e-6)

"""V's laboratory: the pixels that matter are those off the episode's median frame; every
setting and seed is measured at each mark through VAETrainer's own loop; a stopped or
extended laboratory measures nothing twice."""
from __future__ import annotations

import numpy as np
import pytest

from tests.worldmodels.fakes import write_rollouts
from worldmodels import config as configlib
from worldmodels.inspect import visuals
from worldmodels.lab import vae as vae_lab
from worldmodels.models.vae import ConvVAE
from worldmodels.training import vae_train


def moving_square(steps: int = 9) -> np.ndarray:
    """A grey background with a white 4x4 square moving right 2 pixels a frame."""
    frames = np.full((steps, 64, 64, 3), 100, np.uint8)
    for t in range(steps):
        frames[t, 10:14, 2 * t:2 * t + 4] = 255
    return frames


def test_the_pixels_that_matter_are_those_off_the_median_frame():
    frames = moving_square()
    mask = visuals.matter_mask(frames)
    want = np.zeros((9, 64, 64), bool)
    for t in range(9):
        want[t, 10:14, 2 * t:2 * t + 4] = True  # the median frame is the background
    np.testing.assert_array_equal(mask, want)


def test_the_error_on_the_pixels_that_matter_is_per_masked_pixel():
    frames = moving_square()
    model = ConvVAE(32)
    error, share = vae_lab.matter_error(model, [frames])
    recon = vae_lab.reconstruct(model, frames)
    squared = np.square(recon - frames / 255.0).sum(axis=-1)
    mask = visuals.matter_mask(frames)
    assert share == pytest.approx(9 * 16 / (9 * 64 * 64))
    assert error == pytest.approx(squared[mask].mean(), rel=1e-5)
    strip = vae_lab.strip(model, [frames, frames[:3]])
    assert strip.shape == (2, 2, 64, 64, 3) and strip.dtype == np.uint8
    np.testing.assert_array_equal(strip[0], [frames[0], frames[0]])


def test_the_frame_shown_is_where_what_moves_is_mid_way():
    frames = np.full((9, 64, 64, 3), 100, np.uint8)
    for t, size in enumerate((0, 0, 0, 0, 0, 2, 4, 6, 8)):  # a fireball coming closer
        frames[t, 20:20 + size, 20:20 + size] = 255
    # 4, 16, 36 and 64 pixels matter at its last four frames: 36 is nearest half of 64
    np.testing.assert_array_equal(visuals.mid_motion_frames([frames], 8), frames[[7]])


def vae_config(**fields) -> configlib.VAEConfig:
    return configlib.VAEConfig(**{"batch_size": 4, "shuffle_buffer": 64,
                                  "interleave_episodes": 3, "checkpoint_every": 100, **fields})


def test_each_run_is_measured_at_each_mark_and_resumes_exactly(tmp_path):
    data = str(tmp_path / "rollouts")
    write_rollouts(data)
    episodes = vae_lab.eval_episodes(data)
    work = str(tmp_path / "work")
    run = vae_lab.VRun("base", 0, vae_config())
    for batches in (3, 8):  # past the 6 batches of an epoch
        mark, _ = vae_lab.measure(run, data, batches, work, episodes)
        run.marks.append(mark)
    assert [(m.batches, m.images) for m in run.marks] == [(3, 12), (8, 32)]
    assert run.marks[1].train_minutes >= run.marks[0].train_minutes > 0
    straight = vae_train.train_vae(data, vae_config(max_steps=8, epochs=2), 0,
                                   str(tmp_path / "straight"))
    assert run.marks[1].eval_reconstruction == pytest.approx(
        straight.eval_reconstruction_loss, rel=1e-6)  # stopped at 3 and resumed = straight
    vae_lab.save_runs(work, [run])
    again = vae_lab.load_runs(work, [vae_lab.VRun("base", 0, vae_config())])[0]
    assert again.marks == run.marks
    with pytest.raises(ValueError, match="base-seed0 was measured under other settings"):
        vae_lab.load_runs(work, [vae_lab.VRun("base", 0, vae_config(learning_rate=1e-3))])


def test_saving_some_runs_keeps_the_marks_of_the_others(tmp_path):
    work = str(tmp_path)
    mark = vae_lab.Mark(10, 40, 0.5, 60.0, 12.0, 0.02, 0.3)
    first = vae_lab.VRun("base", 0, vae_config(), [mark])
    second = vae_lab.VRun("lr1e-3", 0, vae_config(learning_rate=1e-3), [mark])
    vae_lab.save_runs(work, [first, second])
    vae_lab.save_runs(work, [vae_lab.VRun("base", 0, vae_config(), [mark, mark])])
    again = vae_lab.load_runs(work, [vae_lab.VRun("base", 0, vae_config()),
                                     vae_lab.VRun("lr1e-3", 0, vae_config(learning_rate=1e-3))])
    assert [len(r.marks) for r in again] == [2, 1]

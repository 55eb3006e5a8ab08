"""FastCarRacing against stock CarRacing-v3, side by side: same seed, same actions, and every
step's observation, reward, terminated, truncated and info must be identical. Then the three
pieces that identity rests on, each against pygame itself: the vectorised Vector2 rotation,
skipping off-screen polygons, and filling the window instead of drawing the field.

Every episode starts with the zoom-in (t < 1 s, the first 50 steps). The full-episode cases are
slow (up to ~10 s each, mostly stock's rendering); `-m "not slow"` leaves them out.
"""
from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.envs.box2d.car_racing import PLAYFIELD, SCALE, ZOOM

from worldmodels.env import fast_car_racing
from worldmodels.env.fast_car_racing import ENV_ID, H, W, covers_window, off_screen, to_screen

pygame, gfxdraw = fast_car_racing.pygame, fast_car_racing.gfxdraw

fast_car_racing.register()


# A policy here makes, from stock's env (the same state as fast's) and the seed, a function
# from step number to action.
def random_policy(env, seed: int):
    rng = np.random.default_rng(seed)
    return lambda step: rng.uniform([-1, 0, 0], [1, 1, 1]).astype(np.float32)


def straight_off_playfield(env, seed: int):
    """Half gas, no steering: leaves the track within a second or two, the playfield near
    step 270 (full gas would spin the wheels on the grass and stall)."""
    return lambda step: np.array([0.0, 0.5, 0.0], np.float32)


def track_follower(env, seed: int):
    """Steers for the track 6 tiles ahead at up to 60 units/s: finishes seed 10's lap."""
    def act(step):
        car, track = env.unwrapped.car, np.array([t[2:4] for t in env.unwrapped.track])
        position = np.array(car.hull.position)
        ahead = track[(np.argmin(((track - position) ** 2).sum(1)) + 6) % len(track)]
        bearing = math.atan2(*(ahead - position)[::-1]) - car.hull.angle - math.pi / 2
        steer = -2 * ((bearing + math.pi) % (2 * math.pi) - math.pi)
        gas = 0.3 if car.hull.linearVelocity.length < 60 else 0.0
        return np.array([np.clip(steer, -1, 1), gas, 0.0], np.float32)
    return act


def run_side_by_side(seed: int, policy, steps: int = 1000, render_at=(), **kwargs):
    """Steps stock and fast together; asserts equality at every step; returns the last step."""
    stock = gym.make("CarRacing-v3", **kwargs)
    fast = gym.make(ENV_ID, **kwargs)
    try:
        obs_stock, info_stock = stock.reset(seed=seed)
        obs_fast, info_fast = fast.reset(seed=seed)
        assert np.array_equal(obs_stock, obs_fast) and info_stock == info_fast, "reset"
        act = policy(stock, seed)
        for step in range(steps):
            action = act(step)
            out_stock, out_fast = stock.step(action), fast.step(action)
            assert np.array_equal(out_stock[0], out_fast[0]), f"observation at step {step}"
            assert out_stock[1:] == out_fast[1:], f"reward/terminated/truncated/info at step {step}"
            if step in render_at:
                assert np.array_equal(stock.render(), fast.render()), f"render at step {step}"
            if out_stock[2] or out_stock[3]:
                break
        return step, out_stock
    finally:
        stock.close()
        fast.close()


def test_opening_steps_and_rgb_array_frames_identical():
    run_side_by_side(0, random_policy, steps=120, render_at=(0, 25, 49, 50, 119),
                     render_mode="rgb_array")


def test_other_constructor_options_identical():
    run_side_by_side(3, lambda env, seed: (lambda step: step % 5), steps=60,
                     continuous=False, domain_randomize=True)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_random_episode_identical(seed):
    step, (_, _, terminated, truncated, _) = run_side_by_side(seed, random_policy)
    assert (step, terminated, truncated) == (999, False, True)  # compared up to the time limit


@pytest.mark.slow
@pytest.mark.parametrize("seed", [3, 4])
def test_leaving_the_playfield_identical(seed):
    step, (_, reward, terminated, truncated, info) = run_side_by_side(seed, straight_off_playfield)
    assert terminated and reward == -100 and info == {"lap_finished": False}, step


@pytest.mark.slow
def test_finishing_the_lap_identical():
    step, (_, _, terminated, _, info) = run_side_by_side(10, track_follower)
    assert terminated and info == {"lap_finished": True}, step


def test_register_is_idempotent_and_make_honours_max_episode_steps():
    fast_car_racing.register()
    assert gym.spec(ENV_ID).reward_threshold == gym.spec("CarRacing-v3").reward_threshold
    assert gym.spec(ENV_ID).max_episode_steps == 1000
    env = gym.make(ENV_ID, max_episode_steps=3)
    env.reset(seed=0)
    truncated = [env.step(env.action_space.sample())[3] for _ in range(3)]
    assert truncated == [False, False, True]
    env.close()


def test_to_screen_is_vector2_rotate_rad_bit_for_bit():
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-400, 400, (2, 50))
    quarters = [k * math.pi / 2 for k in range(-4, 5)]
    angles = [*rng.uniform(-60, 60, 40), *quarters, *(a + 5e-7 for a in quarters), 3e-6, -0.0]
    for angle in angles:
        zoom, translation = rng.uniform(0.6, ZOOM * SCALE), tuple(rng.uniform(-9000, 9000, 2))
        sx, sy = to_screen(x, y, zoom, translation, angle)
        for i in range(len(x)):
            v = pygame.math.Vector2((x[i], y[i])).rotate_rad(angle)
            assert (sx[i], sy[i]) == (v[0] * zoom + translation[0], v[1] * zoom + translation[1])


def test_off_screen_polygons_leave_no_pixel():
    rng = np.random.default_rng(0)
    surface = pygame.Surface((W, H))
    center = rng.uniform([-450, -450], [W + 450, H + 450], (3000, 2)).T
    x, y = center[:, None, :] + rng.uniform(-200, 200, (2, 4, 3000))  # [xy, vertex, polygon]
    skipped = np.flatnonzero(off_screen(x, y))
    assert len(skipped) > 1000
    for i in skipped:
        poly = list(zip(x[:, i].tolist(), y[:, i].tolist()))
        gfxdraw.aapolygon(surface, poly, (255, 255, 255))
        gfxdraw.filled_polygon(surface, poly, (255, 255, 255))
    assert not pygame.surfarray.array2d(surface).any()


def test_window_covering_field_fill_is_the_field_polygon():
    rng = np.random.default_rng(0)
    drawn, filled = pygame.Surface((W, H)), pygame.Surface((W, H))
    b = PLAYFIELD
    field_x, field_y = np.array([b, b, -b, -b]), np.array([b, -b, -b, b])
    covered = 0
    for _ in range(600):  # camera poses as in _render, the car often near the playfield's edge
        zoom = ZOOM * SCALE if rng.random() < 0.7 else rng.uniform(0.6, ZOOM * SCALE)
        car = rng.uniform(-b, b, 2)
        car[rng.integers(2)] = rng.choice([-1, 1]) * (b - abs(rng.normal(0, 40)))
        angle = rng.uniform(-10, 10)
        v = pygame.math.Vector2((-car[0] * zoom, -car[1] * zoom)).rotate_rad(angle)
        xs, ys = to_screen(field_x, field_y, zoom, (W / 2 + v[0], H / 4 + v[1]), angle)
        if not covers_window(xs.tolist(), ys.tolist()):
            continue
        covered += 1
        color = rng.uniform(0, 230, 3)
        poly = list(zip(xs.tolist(), ys.tolist()))
        drawn.fill((0, 0, 0))
        gfxdraw.aapolygon(drawn, poly, color)
        gfxdraw.filled_polygon(drawn, poly, color)
        filled.fill(color)
        assert np.array_equal(pygame.surfarray.array2d(drawn), pygame.surfarray.array2d(filled))
    assert covered > 100

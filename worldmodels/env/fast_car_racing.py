"""FastCarRacing: gymnasium's CarRacing-v3 with a faster renderer and identical output.

Why: stock CarRacing spends ~96% of each step drawing the 1000x800 window that it shrinks to
the 96x96 observation, much of it in Python: every frame it rotates, zooms and culls all ~400
grass patches and ~300 road tiles vertex by vertex with pygame's Vector2, loads the dashboard
font from disk and allocates two window-sized surfaces. Rollouts are bound by it.

What changes is only how the window gets drawn, never what. The polygons' vertices sit in one
numpy array per track and go to screen coordinates in one vectorised pass that repeats
pygame's Vector2.rotate_rad arithmetic operation for operation in float64 (same angle
normalisation, same exact quarter-turn case, same scalar sin/cos), so every vertex is
bit-identical to stock's. The polygons stock draws get the very same gfxdraw calls in the same
order, less those that leave no pixel in the window: ones whose bounding box is off screen,
and the background field when its edges all lie well outside the window, where one fill of
its colour puts down the same pixels as its polygon. The font is loaded once and the two
surfaces are reused: the canvas is cleared as a new surface is, and the vertical flip is a row
copy. Physics, rewards, track generation and the seeded random streams are stock's own code.

Identical to gymnasium's CarRacing-v3 for the same seed and actions: every observation (bit
for bit), reward, terminated, truncated and info, and render() frames in every render mode,
over whole episodes (the opening zoom, leaving the track, leaving the playfield).
tests/worldmodels/env/test_fast_car_racing.py checks this side by side with stock, and each of
the shortcuts above against pygame itself.
"""
from __future__ import annotations

import math

import numpy as np
from gymnasium.envs.box2d import car_racing as stock
from gymnasium.envs.box2d.car_racing import CarRacing

ENV_ID = "worldmodels/FastCarRacing-v3"

pygame, gfxdraw = stock.pygame, stock.gfxdraw
W, H = stock.WINDOW_W, stock.WINDOW_H

_TWO_PI = 2 * math.pi  # pygame's TWO_PI and M_PI_2, as doubles
_HALF_PI = math.pi / 2
_NEAR = stock.MAX_SHAPE_DIM  # stock draws a polygon with a vertex this near the window


def _field_and_grass() -> np.ndarray:
    """[401, 4, 2]: the background field, then the grass patches, built as stock builds them."""
    b, g = stock.PLAYFIELD, stock.GRASS_DIM
    polys = [[(b, b), (b, -b), (-b, -b), (-b, b)]]
    for x in range(-20, 20, 2):
        for y in range(-20, 20, 2):
            polys.append([(g * x + g, g * y + 0), (g * x + 0, g * y + 0),
                          (g * x + 0, g * y + g), (g * x + g, g * y + g)])
    return np.array(polys, np.float64)


_STATIC = _field_and_grass()


def to_screen(x: np.ndarray, y: np.ndarray, zoom: float, translation, angle: float,
              epsilon: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Stock's `Vector2((x, y)).rotate_rad(angle)`, then `* zoom + translation`, for whole
    arrays: pygame-ce's double arithmetic in its order, so each result is bit-identical."""
    angle = math.fmod(angle, _TWO_PI)
    if angle < 0:
        angle += _TWO_PI
    if math.fmod(angle + epsilon, _HALF_PI) < 2 * epsilon:  # a quarter turn: exact swaps
        rx, ry = [(x, y), (-y, x), (-x, -y), (y, -x)][int((angle + epsilon) / _HALF_PI) % 4]
    else:
        sin, cos = math.sin(angle), math.cos(angle)
        rx, ry = cos * x - sin * y, sin * x + cos * y
    return rx * zoom + translation[0], ry * zoom + translation[1]


def off_screen(x: np.ndarray, y: np.ndarray, margin: int = 4) -> np.ndarray:
    """[vertex, polygon] screen coordinates -> [polygon]: whether the bounding box misses the
    window by `margin` pixels. All that gfxdraw draws for a polygon (its fill, and its
    anti-aliased outline a pixel wider) lies in the box of its vertices as it truncates them
    to 16-bit integers, so such a polygon leaves no pixel in the window. (Polygons near the
    window are at most MAX_SHAPE_DIM across, far inside the 16-bit range.)"""
    return ((x.max(axis=0) < -margin) | (x.min(axis=0) > W + margin)
            | (y.max(axis=0) < -margin) | (y.min(axis=0) > H + margin))


def covers_window(xs, ys, margin: int = 16) -> bool:
    """Whether the convex quad with screen vertices xs, ys (as gfxdraw truncates them) holds
    the window grown by `margin` pixels: its fill then covers every window pixel and its
    outline none."""
    if max(map(abs, [*xs, *ys])) >= 2**15:  # beyond gfxdraw's 16-bit coordinates
        return False
    quad = [(math.trunc(x), math.trunc(y)) for x, y in zip(xs, ys)]
    lo, hi_x, hi_y = -margin, W - 1 + margin, H - 1 + margin
    window = [(lo, lo), (hi_x, lo), (hi_x, hi_y), (lo, hi_y)]
    sides = [(x1 - x0) * (wy - y0) - (y1 - y0) * (wx - x0)
             for (x0, y0), (x1, y1) in zip(quad, quad[1:] + quad[:1]) for wx, wy in window]
    return all(s > 0 for s in sides) or all(s < 0 for s in sides)


def flip_rows(src, dst) -> None:
    """dst := pygame.transform.flip(src, False, True), for surfaces of one size and format,
    without allocating (and zeroing) a new surface each frame.

    A surface stays locked while a view of its buffer lives, so the views are deleted before
    returning: a sampling profiler (Dask workers run one) can hold this frame, and its locals,
    after the return, and the next blit on `dst` would then fail."""
    src_rows = np.frombuffer(src.get_buffer(), np.uint8).reshape(src.get_height(), -1)
    dst_rows = np.frombuffer(dst.get_buffer(), np.uint8).reshape(dst.get_height(), -1)
    dst_rows[:] = src_rows[::-1]
    del src_rows, dst_rows


class FastCarRacing(CarRacing):
    """CarRacing with the same constructor, spaces, dynamics and output, rendered faster."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._xy_of = None  # the road_poly list that _xy was built from
        self._xy = None  # [x|y, vertex, polygon]: the field, grass then road (stock's order)
        self._canvas = self._flipped = None  # the window surface, before and after its flip
        self._font = None

    def _render(self, mode: str):
        """Stock's _render, with its surfaces and font reused."""
        assert mode in self.metadata["render_modes"]

        pygame.font.init()
        if self.screen is None and mode == "human":
            pygame.display.init()
            self.screen = pygame.display.set_mode((W, H))
        if self.clock is None:
            self.clock = pygame.time.Clock()

        if "t" not in self.__dict__:
            return  # reset() not called yet

        if self._canvas is None:
            self._canvas, self._flipped = pygame.Surface((W, H)), pygame.Surface((W, H))
        self.surf = self._canvas  # _render_road clears it

        assert self.car is not None
        angle = -self.car.hull.angle
        zoom = 0.1 * stock.SCALE * max(1 - self.t, 0) + stock.ZOOM * stock.SCALE * min(self.t, 1)
        scroll_x = -(self.car.hull.position[0]) * zoom
        scroll_y = -(self.car.hull.position[1]) * zoom
        trans = pygame.math.Vector2((scroll_x, scroll_y)).rotate_rad(angle)
        trans = (W / 2 + trans[0], H / 4 + trans[1])

        self._render_road(zoom, trans, angle)
        self.car.draw(self.surf, zoom, trans, angle,
                      mode not in ["state_pixels_list", "state_pixels"])

        flip_rows(self._canvas, self._flipped)
        self.surf = self._flipped

        self._render_indicators(W, H)
        if self._font is None:
            self._font = pygame.font.Font(pygame.font.get_default_font(), 42)
        text = self._font.render(f"{self.reward:04.0f}", True, (255, 255, 255), (0, 0, 0))
        text_rect = text.get_rect()
        text_rect.center = (60, H - H * 2.5 / 40.0)
        self.surf.blit(text, text_rect)

        if mode == "human":
            pygame.event.pump()
            self.clock.tick(self.metadata["render_fps"])
            assert self.screen is not None
            self.screen.fill(0)
            self.screen.blit(self.surf, (0, 0))
            pygame.display.flip()
        elif mode == "rgb_array":
            return self._create_image_array(self.surf, (stock.VIDEO_W, stock.VIDEO_H))
        elif mode == "state_pixels":
            return self._create_image_array(self.surf, (stock.STATE_W, stock.STATE_H))
        else:
            return self.isopen

    def _render_road(self, zoom, translation, angle):
        """Clears the canvas, then draws what stock's _render_road draws."""
        if self._xy_of is not self.road_poly:  # a new track
            road = np.array([poly for poly, _ in self.road_poly], np.float64).reshape(-1, 4, 2)
            self._xy = np.ascontiguousarray(np.concatenate([_STATIC, road]).transpose(2, 1, 0))
            self._xy_of = self.road_poly
        x, y = to_screen(self._xy[0], self._xy[1], zoom, translation, angle)  # [vertex, polygon]
        near = ((-_NEAR <= x) & (x <= W + _NEAR) & (-_NEAR <= y) & (y <= H + _NEAR)).any(axis=0)
        drawn = near & ~off_screen(x, y)
        if covers_window(x[:, 0].tolist(), y[:, 0].tolist()):
            self.surf.fill(self.bg_color)  # what the field's polygon draws on this window
            drawn[0] = False
        else:
            self.surf.fill((0, 0, 0))  # as a new surface; then the field, drawn unclipped
            drawn[0] = True
        shown = np.flatnonzero(drawn)
        polys = np.stack([x[:, shown].T, y[:, shown].T], axis=-1).tolist()
        n_static = len(_STATIC)
        for i, poly in zip(shown.tolist(), polys):
            if i == 0:
                color = self.bg_color
            elif i < n_static:
                color = self.grass_color
            else:
                color = [int(c) for c in self.road_poly[i - n_static][1]]
            gfxdraw.aapolygon(self.surf, poly, color)
            gfxdraw.filled_polygon(self.surf, poly, color)


def register() -> None:
    """Registers ENV_ID with gymnasium; later calls do nothing."""
    import gymnasium as gym

    if ENV_ID in gym.registry:
        return
    gym.register(
        id=ENV_ID,
        entry_point=f"{__name__}:FastCarRacing",
        max_episode_steps=1000,
        reward_threshold=gym.spec("CarRacing-v3").reward_threshold,
    )

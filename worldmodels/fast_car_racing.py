"""FastCarRacing: gymnasium's CarRacing-v3 with a faster renderer and identical output.

Why: stock CarRacing spends ~96% of each step drawing the 1000x800 frame it shrinks to the
96x96 observation, mostly in Python: every frame it rotates, zooms and culls all ~400 grass
patches and ~300 road tiles vertex by vertex with pygame's Vector2, and loads the dashboard
font from disk. Rollouts are bound by it.

What changes: only rendering internals. All polygon vertices are held in one numpy array per
track and moved to screen coordinates in one vectorised pass that repeats pygame's
Vector2.rotate_rad arithmetic operation for operation in float64 (same angle normalisation,
same exact-quadrant special case, same scalar sin/cos from libm), so every vertex is
bit-identical. Culling uses stock's rule, and the visible polygons get exactly the same
pygame draw calls, in the same order, with the same arguments. The font is loaded once and
each dashboard number rendered once; the window surface is reused (cleared to black, as a new
one is). Physics, rewards, track generation and the seeded random streams are stock's.

Guaranteed identical to gymnasium's CarRacing for the same seed and actions: every
observation (bit for bit), reward, terminated, truncated and info, and render() frames in
every render mode, over whole episodes (the opening zoom, leaving the track, leaving the
playfield). tests/worldmodels/test_fast_car_racing.py checks this side by side with stock.
"""
from __future__ import annotations

import math

import numpy as np
from gymnasium.envs.box2d import car_racing as stock
from gymnasium.envs.box2d.car_racing import CarRacing

ENV_ID = "worldmodels/FastCarRacing-v3"

pygame, gfxdraw = stock.pygame, stock.gfxdraw

_TWO_PI = 2 * math.pi  # pygame's TWO_PI and M_PI_2, as doubles
_HALF_PI = math.pi / 2
_LOW = -stock.MAX_SHAPE_DIM  # stock's culling box: the window grown by MAX_SHAPE_DIM
_HIGH_X = stock.WINDOW_W + stock.MAX_SHAPE_DIM
_HIGH_Y = stock.WINDOW_H + stock.MAX_SHAPE_DIM


def _field_and_grass() -> np.ndarray:
    """[401, 4, 2] the background field then the grass patches, built as stock builds them."""
    b, g = stock.PLAYFIELD, stock.GRASS_DIM
    polys = [[(b, b), (b, -b), (-b, -b), (-b, b)]]
    for x in range(-20, 20, 2):
        for y in range(-20, 20, 2):
            polys.append([(g * x + g, g * y + 0), (g * x + 0, g * y + 0),
                          (g * x + 0, g * y + g), (g * x + g, g * y + g)])
    return np.array(polys, np.float64)


_STATIC = _field_and_grass()


def to_screen(points: np.ndarray, zoom: float, translation, angle: float, epsilon: float = 1e-6):
    """`Vector2(p).rotate_rad(angle)`, then `* zoom + translation`, for points [..., 2] at once.

    Same double arithmetic as pygame-ce's rotate helper, in the same order, so each result
    equals stock's per-vertex Python to the last bit."""
    x, y = points[..., 0], points[..., 1]
    angle = math.fmod(angle, _TWO_PI)
    if angle < 0:
        angle += _TWO_PI
    if math.fmod(angle + epsilon, _HALF_PI) < 2 * epsilon:  # a multiple of 90 degrees: exact
        quadrant = int((angle + epsilon) / _HALF_PI) % 4
        rx, ry = [(x, y), (-y, x), (-x, -y), (y, -x)][quadrant]
    else:
        sin, cos = math.sin(angle), math.cos(angle)
        rx, ry = cos * x - sin * y, sin * x + cos * y
    return np.stack([rx * zoom + translation[0], ry * zoom + translation[1]], axis=-1)


class FastCarRacing(CarRacing):
    """CarRacing with the same constructor, spaces, dynamics and output, rendered faster."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._polys_of = None  # the road_poly list that _polys was built from
        self._polys = None  # [401 + road polygons, 4, 2]: field, grass, road (stock's order)
        self._canvas = None
        self._font = None
        self._texts = {}

    def _render(self, mode: str):
        assert mode in self.metadata["render_modes"]

        pygame.font.init()
        if self.screen is None and mode == "human":
            pygame.display.init()
            self.screen = pygame.display.set_mode((stock.WINDOW_W, stock.WINDOW_H))
        if self.clock is None:
            self.clock = pygame.time.Clock()

        if "t" not in self.__dict__:
            return  # reset() not called yet

        if self._canvas is None:
            self._canvas = pygame.Surface((stock.WINDOW_W, stock.WINDOW_H))
        self.surf = self._canvas
        self.surf.fill((0, 0, 0))

        assert self.car is not None
        angle = -self.car.hull.angle
        zoom = 0.1 * stock.SCALE * max(1 - self.t, 0) + stock.ZOOM * stock.SCALE * min(self.t, 1)
        scroll_x = -(self.car.hull.position[0]) * zoom
        scroll_y = -(self.car.hull.position[1]) * zoom
        trans = pygame.math.Vector2((scroll_x, scroll_y)).rotate_rad(angle)
        trans = (stock.WINDOW_W / 2 + trans[0], stock.WINDOW_H / 4 + trans[1])

        self._render_road(zoom, trans, angle)
        self.car.draw(self.surf, zoom, trans, angle,
                      mode not in ["state_pixels_list", "state_pixels"])

        self.surf = pygame.transform.flip(self.surf, False, True)

        self._render_indicators(stock.WINDOW_W, stock.WINDOW_H)
        text = self._reward_text(f"{self.reward:04.0f}")
        text_rect = text.get_rect()
        text_rect.center = (60, stock.WINDOW_H - stock.WINDOW_H * 2.5 / 40.0)
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

    def _reward_text(self, text: str):
        """The dashboard's reward, rendered once per distinct string with stock's font."""
        if text not in self._texts:
            if self._font is None:
                self._font = pygame.font.Font(pygame.font.get_default_font(), 42)
            self._texts[text] = self._font.render(text, True, (255, 255, 255), (0, 0, 0))
        return self._texts[text]

    def _render_road(self, zoom, translation, angle):
        if self._polys_of is not self.road_poly:  # a new track since the last frame
            road = np.array([poly for poly, _ in self.road_poly], np.float64).reshape(-1, 4, 2)
            self._polys = np.concatenate([_STATIC, road])
            self._polys_of = self.road_poly
        screen = to_screen(self._polys, zoom, translation, angle)
        x, y = screen[..., 0], screen[..., 1]
        visible = ((_LOW <= x) & (x <= _HIGH_X) & (_LOW <= y) & (y <= _HIGH_Y)).any(axis=1)
        visible[0] = True  # the background field is drawn unclipped
        shown = np.flatnonzero(visible)
        n_static = len(_STATIC)
        for i, poly in zip(shown.tolist(), screen[shown].tolist()):
            if i == 0:
                color = self.bg_color
            elif i < n_static:
                color = self.grass_color
            else:
                color = [int(c) for c in self.road_poly[i - n_static][1]]
            gfxdraw.aapolygon(self.surf, poly, color)
            gfxdraw.filled_polygon(self.surf, poly, color)


def register() -> None:
    """Registers ENV_ID with gymnasium (once; later calls do nothing)."""
    import gymnasium as gym

    if ENV_ID in gym.registry:
        return
    gym.register(
        id=ENV_ID,
        entry_point=f"{__name__}:FastCarRacing",
        max_episode_steps=1000,
        reward_threshold=gym.spec("CarRacing-v3").reward_threshold,
    )

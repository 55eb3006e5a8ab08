"""ControllerSearch's tracks: each generation draws its own block of the search's seed range,
one track per group and episode."""
from __future__ import annotations

from worldmodels import config, seeds
from worldmodels.stages import controller_search


def test_each_generation_plays_its_groups_tracks_from_its_own_block():
    plain = config.TINY
    assert controller_search._track_seeds(plain, 2) == seeds.seeds(plain.seed, "search", 2, 1)
    grouped = config.with_overrides(config.TINY, ["controller.track_groups=2",
                                                  "controller.episodes_per_candidate=2"])
    assert grouped.controller.population == 4
    assert controller_search._track_seeds(grouped, 1) == seeds.seeds(grouped.seed, "search", 4, 4)

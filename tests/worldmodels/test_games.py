"""The games: each described once, the config checking against that description, each known
by its screen."""
from __future__ import annotations

import pytest

from worldmodels import config as configlib
from worldmodels.env import car_racing, doom
from worldmodels.games import GAMES, by_screen, game


def test_the_presets_take_each_games_id_and_episode_cap_from_its_description():
    assert set(GAMES) == {car_racing.ENV_ID, doom.ENV_ID}
    for preset in configlib.PRESETS.values():
        described = game(preset.env.env_id)
        assert preset.env.max_steps <= described.max_steps
    assert (configlib.PAPER.env.max_steps, configlib.DOOM_PAPER.env.max_steps) == (1000, 2100)


def test_each_game_is_known_by_its_screen():
    assert by_screen((96, 96, 3)).env_id == car_racing.ENV_ID
    assert by_screen((120, 160, 3)).env_id == doom.ENV_ID
    with pytest.raises(ValueError, match=r"no game has \(64, 64, 3\) screens"):
        by_screen((64, 64, 3))


def test_an_unknown_game_is_named():
    with pytest.raises(ValueError, match="env.env_id: 'Pong-v5' is not a game"):
        game("Pong-v5")
    with pytest.raises(configlib.ConfigError, match="env.env_id"):
        configlib.TINY.replace(env={"env_id": "Pong-v5"})


def test_doom_dreams_need_the_done_head_not_the_reward_head():
    assert configlib.DOOM_TINY.controller.environment == "dream"
    assert not configlib.DOOM_TINY.rnn.reward_head
    with pytest.raises(configlib.ConfigError, match="needs rnn.done_head=true"):
        configlib.DOOM_TINY.replace(rnn={"done_head": False})

"""Config: presets, the paper's numbers, and errors that name the field."""
from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import time

import pytest

from worldmodels import config as configlib
from worldmodels import seeds
from worldmodels.config import ConfigError
from worldmodels.stages.rollout_gen import episode_seeds


def test_paper_preset_has_the_reference_settings():
    p = configlib.preset("paper")
    assert (p.rollouts.train_episodes, p.vae.batch_size, p.vae.epochs) == (10_000, 100, 10)
    assert (p.vae.learning_rate, p.vae.kl_tolerance, p.vae.z_size) == (1e-4, 0.5, 32)
    assert (p.rnn.hidden_units, p.rnn.mixtures, p.rnn.steps) == (256, 5, 4000)
    assert (p.rnn.learning_rate, p.rnn.grad_clip, p.rnn.batch_size) == (1e-3, 1.0, 100)
    assert (p.controller.population, p.controller.episodes_per_candidate) == (64, 16)
    assert p.controller.sigma0 == 0.1
    assert (p.controller.stuck_steps, p.controller.episodes_per_candidate_final) == (0, 0)


def test_presets_shrink_in_order():
    tiny, small, paper = (configlib.preset(n) for n in ("tiny", "small", "paper"))
    assert tiny.rollouts.train_episodes < small.rollouts.train_episodes < paper.rollouts.train_episodes
    assert tiny.env.max_steps < small.env.max_steps == paper.env.max_steps == 1000


@pytest.mark.parametrize("section, field, value", [
    ("vae", "batch_size", 0), ("vae", "kind", "gan"), ("rnn", "mixtures", -1),
    ("controller", "population", 1), ("rollouts", "workers", -2), ("env", "env_id", "Pong"),
    ("controller", "stuck_steps", -1), ("controller", "episodes_per_candidate_final", 1.5),
    ("controller", "dream_episodes", 0), ("controller", "dream_temperature", 0),
    ("controller", "dream_steps", -5), ("controller", "dream_generations", 1.5),
    ("controller", "sigma0", 0), ("controller", "weight_decay", -1),
    ("rnn", "dropout", -0.1), ("controller", "dream_dropout", -0.5),
])
def test_invalid_values_name_the_field(section, field, value):
    with pytest.raises(ConfigError, match=rf"^{section}\.{field}:"):
        configlib.TINY.replace(**{section: {field: value}})


def test_unknown_names_and_overrides():
    with pytest.raises(ConfigError, match=r"^vae\.bogus: unknown field"):
        configlib.TINY.replace(vae={"bogus": 1})
    with pytest.raises(ConfigError, match=r"^--preset: unknown preset 'huge'"):
        configlib.preset("huge")
    cfg = configlib.with_overrides(configlib.TINY, ["vae.epochs=3", "vae.kind=vae_gan"])
    assert (cfg.vae.epochs, cfg.vae.kind) == (3, "vae_gan")
    with pytest.raises(ConfigError, match=r"^--set epochs=3"):
        configlib.with_overrides(configlib.TINY, ["epochs=3"])


def test_json_round_trip_and_sections():
    cfg = configlib.SMALL.replace(seed=7)
    assert configlib.Config.from_json(cfg.to_json()) == cfg
    partial = configlib.Config.from_json(configlib.sections_json(cfg, ("vae",)))
    assert partial.vae == cfg.vae and partial.seed == 7


def test_episodes_per_candidate_ramp_linearly_to_the_final_count():
    cc = configlib.preset("paper").controller
    assert [cc.episodes_at(g) for g in (0, 900, 1799)] == [16, 16, 16]
    ramp = configlib.preset("small").replace(
        controller={"generations": 48, "episodes_per_candidate_final": 3}).controller
    assert [ramp.episodes_at(g) for g in (0, 23, 24, 47)] == [2, 2, 3, 3]  # 23.5 rounds to 24
    assert ramp.max_episodes() == 3


def test_track_groups_multiply_a_generations_tracks_and_divide_the_population():
    grouped = configlib.with_overrides(configlib.preset("medium"), [
        "controller.track_groups=16", "controller.episodes_per_candidate=2"]).controller
    assert (grouped.tracks_at(0), grouped.max_tracks()) == (32, 32)
    with pytest.raises(ConfigError, match=r"^controller\.track_groups: must divide the population "
                       r"\(32\) into equal groups, got 5$"):
        configlib.with_overrides(configlib.preset("medium"), ["controller.track_groups=5"])
    with pytest.raises(ConfigError, match=r"^controller\.generations: 1,000 generations of 1,024 "
                       "tracks"):
        configlib.with_overrides(configlib.PAPER, ["controller.track_groups=64",
                                                   "controller.generations=1000"])


def test_medium_preset_cuts_search_episodes_and_evaluates_on_100():
    small, medium, paper = (configlib.preset(n) for n in ("small", "medium", "paper"))
    assert (medium.controller.stuck_steps, paper.controller.stuck_steps) == (60, 0)
    assert medium.rollouts.train_episodes < small.rollouts.train_episodes
    assert medium.evaluator.episodes == paper.evaluator.episodes == 100


def test_dream_settings_are_checked_across_sections():
    dream = ["controller.environment=dream", "rnn.reward_head=true"]
    cfg = configlib.with_overrides(configlib.TINY, dream)
    assert [cfg.controller.dreams_at(g) for g in range(3)] == [True, True, True]
    with pytest.raises(ConfigError, match=r"^controller\.environment: dream .* rnn\.reward_head=true"):
        configlib.with_overrides(configlib.TINY, dream[:1])
    with pytest.raises(ConfigError, match=r"^controller\.environment: must be one of real, dream, "):
        configlib.with_overrides(configlib.TINY, ["controller.environment=imagined"])
    mixed = configlib.with_overrides(configlib.TINY, [
        "controller.environment=dream_then_real", "controller.dream_generations=2",
        "rnn.reward_head=true"])
    assert [mixed.controller.dreams_at(g) for g in range(3)] == [True, True, False]
    for bad in (0, 3):  # tiny has 3 generations: at least one dreamt and one real
        with pytest.raises(ConfigError, match=r"^controller\.dream_generations: dream_then_real"):
            configlib.with_overrides(mixed, [f"controller.dream_generations={bad}"])
    real = configlib.TINY.controller
    assert not any(real.dreams_at(g) for g in range(3))
    # a stage's config holds only its own sections: no rnn section, nothing to cross-check
    stage = configlib.from_dict({"controller": {"environment": "dream"}})
    assert stage.controller.environment == "dream"


@pytest.mark.parametrize("seed", [0, 10, 123_456])
def test_seed_ranges_are_disjoint_by_construction(seed):
    """Every use of a run's seeds has its own range; the Evaluator's tracks are outside the
    run's block or the config refuses them."""
    evaluator_seed = seeds.EVALUATOR_DEFAULT + (seeds.BLOCK if seed == 10 else 0)
    cfg = configlib.PAPER.replace(seed=seed, evaluator={"seed": evaluator_seed},
                                  rounds={"count": 3})
    cc = cfg.controller
    used = {
        f"rollouts round {k}": episode_seeds(configlib.for_round(cfg, k), "train",
                                             cfg.rollouts.train_episodes)
        + episode_seeds(configlib.for_round(cfg, k), "eval", cfg.rollouts.eval_episodes)
        for k in (1, 2, 3)}
    used |= {
        "search": seeds.seeds(seed, "search", 0, cc.generations * cc.max_episodes()),
        "dreams": seeds.seeds(seed, "dreams", 0, cc.generations * cc.dream_episodes),
        "search_eval": seeds.seeds(seed, "search_eval", 0, cc.eval_episodes),
        "evaluator": list(range(cfg.evaluator.seed, cfg.evaluator.seed + cfg.evaluator.episodes)),
    }
    flat = [s for values in used.values() for s in values]
    assert len(flat) == len(set(flat))
    if seed == 10:  # the default evaluator seeds are run 10's rollout tracks: refused
        with pytest.raises(ConfigError, match=r"^evaluator\.seed: seeds 10,000,000\.\.10,000,099 meet "):
            configlib.PAPER.replace(seed=10)


def test_a_range_that_would_overrun_is_refused():
    with pytest.raises(ConfigError, match=r"^rollouts\.train_episodes: at most 500,000"):
        configlib.TINY.replace(rollouts={"train_episodes": 500_001})
    with pytest.raises(ConfigError, match=r"^controller\.generations: "):
        configlib.TINY.replace(controller={"generations": 10_000, "dream_episodes": 11})
    with pytest.raises(ValueError, match=r"^search: seeds "):
        seeds.seeds(0, "search", 199_999, 2)


WRONG_TYPES = {"int": ["abc", 1.5, True, None], "float": ["abc", True, float("nan"), None],
               "str": [3, None], "bool": ["yes", 1, None]}
# The lowest wrong value of every field that has a range; the fields without one are listed.
OUT_OF_RANGE = {
    "env": {"env_id": "Pong", "max_steps": 0},
    "rollouts": {"train_episodes": 0, "eval_episodes": 0, "episodes_per_shard": 0,
                 "min_steps": 0, "workers": -1},
    "vae": {"kind": "gan", "z_size": 0, "batch_size": 0, "epochs": 0, "learning_rate": 0.0,
            "kl_tolerance": -0.5, "shuffle_buffer": 0, "interleave_episodes": 0,
            "max_steps": -1, "checkpoint_every": 0, "precision": "fp16"},
    "rnn": {"hidden_units": 0, "mixtures": 0, "batch_size": 0, "seq_len": 0, "steps": -1,
            "learning_rate": 0.0, "grad_clip": 0.0, "done_weight": 0.0, "checkpoint_every": 0,
            "dropout": 1.0, "precision": "half"},
    "controller": {"population": 1, "episodes_per_candidate": 0, "generations": 0,
                   "track_groups": 0,
                   "sigma0": 0.0, "weight_decay": -0.01, "workers": -1, "envs_per_worker": 0,
                   "eval_every": 0, "eval_episodes": 0, "episodes_per_candidate_final": -1,
                   "stuck_steps": -1, "environment": "imagined", "dream_generations": -1,
                   "dream_episodes": 0, "dream_temperature": 0.0, "dream_steps": -1,
                   "dream_starts_every": -1, "dream_dropout": 1.0,
                   "dream_ends": "sometimes"},
    "evaluator": {"episodes": 0, "seed": -1, "fidelity_controllers": 1, "fidelity_episodes": 0},
    "rounds": {"count": 0, "train_episodes": -1, "eval_episodes": -1, "explorer_share": 1.1,
               "action_noise": -0.1, "rnn_steps": -1, "rnn_learning_rate": -1e-3,
               "vae_steps": -1, "vae_learning_rate": -1e-3, "newest_share": -0.5, "sigma": -0.1, "generations": -1},
    "config": {"seed": -1, "round": 0},
}
NO_RANGE = {"rnn.reward_head", "rnn.done_head", "evaluator.threshold", "config.preset",
            "controller.cma_diagonal", "controller.mirrored"}


def _every_field():
    sections = {"config": configlib.Config, **configlib._SECTIONS}
    return [(name, f) for name, cls in sections.items() for f in dataclasses.fields(cls)
            if name != "config" or f.name in ("preset", "seed", "round")]


def _build(section: str, name: str, value):
    if section == "config":
        return configlib.from_dict({**json.loads(configlib.TINY.to_json()), name: value})
    return configlib.TINY.replace(**{section: {name: value}})


def test_every_field_has_a_range_or_is_listed_without_one():
    names = {f"{s}.{f.name}" for s, f in _every_field()}
    ranged = {f"{s}.{n}" for s, fields in OUT_OF_RANGE.items() for n in fields}
    assert names == ranged | NO_RANGE and not ranged & NO_RANGE


@pytest.mark.parametrize("section, fld", [(s, f) for s, f in _every_field()],
                         ids=[f"{s}.{f.name}" for s, f in _every_field()])
def test_every_field_refuses_a_wrong_type_and_an_out_of_range_value(section, fld):
    for value in WRONG_TYPES[fld.type]:
        allowed = configlib._ALLOWED[fld.type]
        with pytest.raises(ConfigError) as err:
            _build(section, fld.name, value)
        assert str(err.value) == f"{section}.{fld.name}: must be {allowed}, got {value!r}"
    if fld.name in OUT_OF_RANGE.get(section, {}):
        value = OUT_OF_RANGE[section][fld.name]
        with pytest.raises(ConfigError, match=rf"^{section}\.{fld.name}: must be .*, got "
                                              rf"{re.escape(repr(value))}$"):
            _build(section, fld.name, value)


def test_an_int_is_a_float_and_kept_as_one():
    cfg = configlib.with_overrides(configlib.TINY, ["evaluator.threshold=300"])
    assert cfg.evaluator.threshold == 300.0 and type(cfg.evaluator.threshold) is float
    assert cfg.to_json() == configlib.TINY.replace(evaluator={"threshold": 300.0}).to_json()


@pytest.mark.parametrize("assignment, message", [
    ("evaluator.threshold=abc", "evaluator.threshold: must be a finite number, got 'abc'"),
    ("controller.weight_decay=abc", "controller.weight_decay: must be a finite number, got 'abc'"),
    ("vae.kl_tolerance=x", "vae.kl_tolerance: must be a finite number, got 'x'"),
])
def test_the_cli_refuses_a_bad_value_before_any_stage(tmp_path, assignment, message):
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", "--preset", "tiny",
                           "--root", str(tmp_path / "root"), "--set", assignment],
                          capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (1, "", f"worldmodels: error: {message}\n")
    assert time.monotonic() - start < 10
    assert not (tmp_path / "root").exists()  # nothing started, nothing written


def test_mirrored_sampling_needs_an_even_population():
    with pytest.raises(configlib.ConfigError, match=r"^controller.population: mirrored sampling "
                       "needs an even population, got 15$"):
        configlib.preset("medium").replace(controller={"mirrored": True, "population": 15})
    assert configlib.preset("medium").replace(controller={"mirrored": True}).controller.mirrored


def test_a_later_round_takes_its_settings_from_the_rounds_section():
    cfg = configlib.TINY.replace(rounds={"count": 3, "train_episodes": 6, "rnn_steps": 5,
                                         "rnn_learning_rate": 3e-4, "sigma": 0.02})
    assert configlib.for_round(cfg, 1) is cfg
    second = configlib.for_round(cfg, 2)
    assert (second.round, second.rounds.count) == (2, 2)
    assert (second.rollouts.train_episodes, second.rollouts.eval_episodes) == (6, 2)
    assert (second.rnn.steps, second.rnn.learning_rate) == (5, 3e-4)
    assert (second.controller.sigma0, second.controller.generations) == (0.02, 3)
    assert second.vae == cfg.vae  # V kept
    refining = configlib.for_round(cfg.replace(rounds={"vae_steps": 7, "vae_learning_rate": 1e-4}), 2)
    assert (refining.vae.max_steps, refining.vae.learning_rate) == (7, 1e-4)
    refining = configlib.for_round(cfg.replace(rounds={"vae_steps": 7}), 2)
    assert (refining.vae.max_steps, refining.vae.learning_rate) == (7, cfg.vae.learning_rate)
    # a round's stages do not depend on how many rounds follow it
    assert configlib.for_round(cfg.replace(rounds={"count": 2}), 2) == second
    assert '"round": 2' in configlib.sections_json(second, ("rnn",))
    assert '"round"' not in configlib.sections_json(cfg, ("rnn",))  # round 1's keys as before
    with pytest.raises(ConfigError, match=r"^round: 4 is not one of rounds 1\.\.3$"):
        configlib.for_round(cfg, 4)


@pytest.mark.parametrize("rounds, message", [
    ({"count": 0}, r"^rounds\.count: must be > 0, got 0$"),
    ({"count": 11}, r"^rounds\.count: at most 10 \(the seed ranges' split\), got 11$"),
    ({"explorer_share": 1.5}, r"^rounds\.explorer_share: must be a share in \[0, 1\], got 1\.5$"),
    ({"count": 2, "train_episodes": 60_000},
     r"^rounds\.train_episodes: at most 50,000 \(its seed range, split by rounds\), got 60,000$"),
])
def test_bad_rounds_are_named(rounds, message):
    with pytest.raises(ConfigError, match=message):
        configlib.TINY.replace(rounds=rounds)


def test_more_rounds_narrow_round_one_s_rollout_seeds():
    big = configlib.PAPER.replace(rollouts={"train_episodes": 60_000})
    with pytest.raises(ConfigError, match=r"^rollouts\.train_episodes: at most 50,000 "):
        big.replace(rounds={"count": 2})


def test_the_dream_fidelity_plays_only_the_evaluation_s_seeds():
    with pytest.raises(ConfigError, match=r"^evaluator\.fidelity_episodes: at most "
                                          r"evaluator\.episodes \(2: it plays their first "
                                          r"seeds\), got 3$"):
        configlib.TINY.replace(evaluator={"fidelity_episodes": 3})

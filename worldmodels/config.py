"""One Config for the whole project: every number lives here once.

Presets: `paper` is the paper's settings, `small` learns on a CPU in a few hours, `tiny`
runs end to end in minutes on 2 cores. Every field is checked on construction (a preset, a
`--set`, a stage's config JSON) for its annotated type, then its range, so a bad value fails
before any stage runs: ConfigError, one line naming the field, the value and what is allowed
(e.g. `vae.batch_size: must be > 0, got 0`).
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from typing import Any

from worldmodels import games, precision
from worldmodels import seeds as seedlib


class ConfigError(ValueError):
    """An invalid configuration value; the message names the field."""


def _check(section: str, name: str, ok: bool, why: str) -> None:
    if not ok:
        raise ConfigError(f"{section}.{name}: {why}")


# What each annotated type accepts. bool is not an int here (True would be a batch size of 1);
# an int is a float (and is stored as one, so 300 and 300.0 give the same cache key).
_ALLOWED = {"int": "an integer", "float": "a finite number", "str": "a string",
            "bool": "true or false"}


def _check_types(section: str, obj: Any) -> None:
    """Every field of a section holds a value of its annotated type, before any range check."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.type == "float" and type(value) is int:
            value = float(value)
            object.__setattr__(obj, f.name, value)
        ok = type(value).__name__ == f.type  # annotations are strings (future annotations)
        if f.type == "float" and ok:
            ok = math.isfinite(value)
        _check(section, f.name, ok, f"must be {_ALLOWED.get(f.type, f.type)}, got {value!r}")


def _at_least(section: str, obj: Any, low: float, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        _check(section, name, value >= low, f"must be >= {low:g}, got {value!r}")


def _positive(section: str, obj: Any, *names: str) -> None:
    for name in names:
        value = getattr(obj, name)
        _check(section, name, value > 0, f"must be > 0, got {value!r}")


def _one_of(section: str, obj: Any, name: str, choices: tuple[str, ...]) -> None:
    value = getattr(obj, name)
    _check(section, name, value in choices,
           f"must be one of {', '.join(choices)}, got {value!r}")


@dataclass(frozen=True)
class EnvConfig:
    env_id: str = games.CAR_RACING_GAME.env_id
    max_steps: int = games.CAR_RACING_GAME.max_steps  # each game's preset keeps the paper's cap

    def __post_init__(self):
        _check_types("env", self)
        _one_of("env", self, "env_id", tuple(games.GAMES))
        _positive("env", self, "max_steps")


@dataclass(frozen=True)
class RolloutConfig:
    train_episodes: int = 10_000
    eval_episodes: int = 200
    episodes_per_shard: int = 50
    min_steps: int = 1  # episodes shorter than this are dropped (Z drops <= 100)
    workers: int = 0  # processes collecting episodes; 0 = one per core

    def __post_init__(self):
        _check_types("rollouts", self)
        _positive("rollouts", self, "train_episodes", "eval_episodes", "episodes_per_shard",
                  "min_steps")
        _at_least("rollouts", self, 0, "workers")


@dataclass(frozen=True)
class VAEConfig:
    kind: str = "vae"  # vae (the paper's) | vae_gan (a VAE/GAN, Larsen et al. 2016)
    z_size: int = 32
    batch_size: int = 100
    epochs: int = 10
    learning_rate: float = 1e-4
    kl_tolerance: float = 0.5  # KL floored at kl_tolerance * z_size
    shuffle_buffer: int = 50_000  # frames; interleaved across many episodes first
    interleave_episodes: int = 64
    max_steps: int = 0  # 0 = no cap; otherwise stop after this many batches
    checkpoint_every: int = 1000  # batches
    # float32 | bfloat16 (mixed: float32 weights and loss) | auto (bfloat16 where the CPU has
    # AMX or AVX512_BF16): V's training, LatentTransform's encoding and the agent's V
    precision: str = "float32"

    def __post_init__(self):
        _check_types("vae", self)
        _one_of("vae", self, "kind", ("vae", "vae_gan"))
        _one_of("vae", self, "precision", precision.CHOICES)
        _check("vae", "precision", self.kind == "vae" or self.precision == "float32",
               f"the VAE/GAN trains in float32 only, got {self.precision!r}")
        _positive("vae", self, "z_size", "batch_size", "epochs", "shuffle_buffer",
                  "interleave_episodes", "checkpoint_every", "learning_rate")
        _at_least("vae", self, 0, "kl_tolerance", "max_steps")


@dataclass(frozen=True)
class RNNConfig:
    hidden_units: int = 256
    mixtures: int = 5
    batch_size: int = 100
    seq_len: int = 999  # a 1,000-frame episode gives 999 (z_t, a_t) -> z_{t+1} pairs
    # Batches trained on; 0 = M untrained (its initial weights, from the seed): for a search in
    # the real environment C's h is then a random recurrent feature of the past (ctallec's
    # ablation: 866 +- 69 against 895 +- 79 with M trained).
    steps: int = 4000
    learning_rate: float = 1e-3
    grad_clip: float = 1.0
    reward_head: bool = False
    done_head: bool = False
    done_weight: float = 10.0
    # Dropout's Dream Land: training drops M's z inputs and recurrent state at this rate, one
    # mask per sequence (0 = off; Wellmer & Kwok used 0.05).
    dropout: float = 0.0
    checkpoint_every: int = 500
    precision: str = "float32"  # as vae.precision: M's training, the dream and the agent's M

    def __post_init__(self):
        _check_types("rnn", self)
        _one_of("rnn", self, "precision", precision.CHOICES)
        _positive("rnn", self, "hidden_units", "mixtures", "batch_size", "seq_len",
                  "checkpoint_every", "learning_rate", "grad_clip", "done_weight")
        _at_least("rnn", self, 0, "dropout", "steps")
        _check("rnn", "dropout", self.dropout < 1, f"must be below 1, got {self.dropout}")


ENVIRONMENTS = ("real", "dream", "dream_then_real")
DREAM_ENDS = ("threshold", "sampled")


@dataclass(frozen=True)
class ControllerConfig:
    population: int = 64
    episodes_per_candidate: int = 16
    generations: int = 1800
    sigma0: float = 0.1
    weight_decay: float = 0.01  # H's small L2 penalty on the parameters
    cma_diagonal: bool = False  # separable CMA-ES: a diagonal covariance, learnt ~N times faster
    mirrored: bool = False  # candidates in mirrored pairs m +- sigma y (needs an even population)
    # Candidates split by index into this many equal groups, each group on its own tracks and
    # ranked by its return less its group's mean: an update averages this many tracks at the
    # same cost. With mirrored and population/2 groups, each mirrored pair has its own track.
    track_groups: int = 1
    workers: int = 0  # processes, each stepping envs_per_worker environments; 0 = one per core
    envs_per_worker: int = 64  # environments stepped together, one batched model call a step
    eval_every: int = 25  # generations between evaluations of the distribution mean
    eval_episodes: int = 100
    # Episodes per candidate rise linearly from episodes_per_candidate at the first generation
    # to this at the last (0 = no ramp): cheap noisy fitness early, less noise near the optimum.
    episodes_per_candidate_final: int = 0
    # Search episodes end after this many steps without a new road tile, the skipped steps
    # charged CarRacing's 0.1 each (0 = never; evaluations always run whole episodes).
    stuck_steps: int = 0
    # Where candidates are scored: the real environment, M's dream (fitness = the sum of M's
    # predicted rewards; needs rnn.reward_head), or the dream for the first dream_generations
    # generations and the real environment after them, continuing the same CMA-ES state.
    environment: str = "real"  # real | dream | dream_then_real
    dream_generations: int = 0  # dream_then_real only: generations scored in the dream
    dream_episodes: int = 16  # dreams per candidate and generation
    dream_temperature: float = 1.0  # M's sampling temperature in the dream
    # How a dream ends: where M's done > 0.5 (threshold, the paper), or at each step with M's
    # probability of the end (sampled): a hazard, so C is paid for lowering it everywhere,
    # not only where M is sure.
    dream_ends: str = "threshold"
    dream_steps: int = 0  # a dream's step limit (0 = env.max_steps): shorter dreams drift less
    # Dreams start at the train episodes' first frames (0) or at every k-th step of them, M's
    # state warmed on the real steps before (k): branches off real states, as short model
    # rollouts in model-based RL, which M's errors have less time to compound in.
    dream_starts_every: int = 0
    # Dropout's Dream Land: each dream keeps one dropout mask on M's z inputs and recurrent
    # state at this rate, so every dream is a slightly different M (0 = off; their best: 0.1).
    dream_dropout: float = 0.0

    def __post_init__(self):
        _check_types("controller", self)
        _at_least("controller", self, 2, "population")
        _positive("controller", self, "episodes_per_candidate", "generations", "envs_per_worker",
                  "track_groups", "eval_every", "eval_episodes", "sigma0", "dream_episodes",
                  "dream_temperature")
        _at_least("controller", self, 0, "workers", "episodes_per_candidate_final", "stuck_steps",
                  "weight_decay", "dream_generations", "dream_steps", "dream_starts_every",
                  "dream_dropout")
        _check("controller", "dream_dropout", self.dream_dropout < 1,
               f"must be below 1, got {self.dream_dropout}")
        _one_of("controller", self, "environment", ENVIRONMENTS)
        _check("controller", "population", not self.mirrored or self.population % 2 == 0,
               f"mirrored sampling needs an even population, got {self.population}")
        _check("controller", "track_groups", self.population % self.track_groups == 0,
               f"must divide the population ({self.population}) into equal groups, got "
               f"{self.track_groups}")
        _one_of("controller", self, "dream_ends", DREAM_ENDS)
        if self.environment == "dream_then_real":
            _check("controller", "dream_generations",
                   0 < self.dream_generations < self.generations,
                   f"dream_then_real needs 0 < dream_generations < generations "
                   f"({self.generations}), got {self.dream_generations}")

    def dreams_at(self, generation: int) -> bool:
        """Whether `generation` (0-based) scores its candidates in M's dream."""
        return (self.environment == "dream" or
                (self.environment == "dream_then_real" and generation < self.dream_generations))

    def episodes_at(self, generation: int) -> int:
        """Episodes each candidate plays in `generation` (0-based)."""
        final = self.episodes_per_candidate_final or self.episodes_per_candidate
        if self.generations == 1:
            return final
        start = self.episodes_per_candidate
        return int(round(start + (final - start) * generation / (self.generations - 1)))

    def max_episodes(self) -> int:
        return max(self.episodes_per_candidate, self.episodes_per_candidate_final)

    def tracks_at(self, generation: int) -> int:
        """Tracks `generation` plays in the real environment: each group's episodes."""
        return self.track_groups * self.episodes_at(generation)

    def max_tracks(self) -> int:
        return self.track_groups * self.max_episodes()


@dataclass(frozen=True)
class EvaluatorConfig:
    episodes: int = 100
    seed: int = seedlib.EVALUATOR_DEFAULT  # episodes use seed, seed+1, ... (see seeds.py)
    threshold: float = 900.0  # BLESSED when the mean return reaches this
    # Dream fidelity (engine/fidelity.py), where M's dream can score: this many controllers
    # (half the search's, half random; 0 = not measured), each on this many of the
    # evaluation's seeds, real and dreamt.
    fidelity_controllers: int = 8
    fidelity_episodes: int = 4

    def __post_init__(self):
        _check_types("evaluator", self)
        _positive("evaluator", self, "episodes", "fidelity_episodes")
        _at_least("evaluator", self, 0, "seed", "fidelity_controllers")
        _check("evaluator", "fidelity_controllers", self.fidelity_controllers != 1,
               "must be 0 (off) or at least 2 (a rank correlation needs two), got 1")
        _check("evaluator", "fidelity_episodes", self.fidelity_episodes <= self.episodes,
               f"at most evaluator.episodes ({self.episodes}: it plays their first seeds), got "
               f"{self.fidelity_episodes}")


@dataclass(frozen=True)
class RoundsConfig:
    """The paper's iterative training: round 1 is the pipeline on the explorer's episodes; each
    later round plays the previous round's agent in the real game, refines M on the new
    episodes with the earlier ones, searches C again from the previous C, and scores it."""
    count: int = 1  # rounds; 1 = the pipeline without later rounds
    train_episodes: int = 0  # each later round's new train episodes (0 = rollouts.train_episodes)
    eval_episodes: int = 0  # and eval episodes (0 = rollouts.eval_episodes)
    # The share of a later round's episodes the explorer plays (the rest the agent): random
    # episodes in the mix keep M from believing every episode goes well.
    explorer_share: float = 0.1
    action_noise: float = 0.1  # Gaussian noise on the agent's actions, clipped to the game's
    # M's refinement from the previous round's M: batches and learning rate (0 = rnn's).
    rnn_steps: int = 0
    rnn_learning_rate: float = 0.0
    # V refined from the previous round's V for this many batches at this learning rate (0 =
    # vae's), on every round's frames; every earlier round's rollouts are then encoded again
    # by the refined V. 0 = V kept from round 1 (nothing encoded twice).
    vae_steps: int = 0
    vae_learning_rate: float = 0.0
    # The share of M's batches drawn from the newest round's episodes (0 = every round's
    # episodes alike, by count).
    newest_share: float = 0.0
    # C's search, started at the previous round's C with this step size (0 = controller's).
    sigma: float = 0.0
    generations: int = 0

    def __post_init__(self):
        _check_types("rounds", self)
        _positive("rounds", self, "count")
        _check("rounds", "count", self.count <= seedlib.MAX_ROUNDS,
               f"at most {seedlib.MAX_ROUNDS} (the seed ranges' split), got {self.count}")
        _at_least("rounds", self, 0, "train_episodes", "eval_episodes", "action_noise",
                  "rnn_steps", "rnn_learning_rate", "vae_steps", "vae_learning_rate",
                  "newest_share", "sigma", "generations")
        for name in ("explorer_share", "newest_share"):
            _check("rounds", name, getattr(self, name) <= 1,
                   f"must be a share in [0, 1], got {getattr(self, name)}")


@dataclass(frozen=True)
class Config:
    preset: str = "paper"
    seed: int = 0
    round: int = 1  # the round a stage's config is for (for_round); the user sets rounds.count
    env: EnvConfig = field(default_factory=EnvConfig)
    rollouts: RolloutConfig = field(default_factory=RolloutConfig)
    vae: VAEConfig = field(default_factory=VAEConfig)
    rnn: RNNConfig = field(default_factory=RNNConfig)
    controller: ControllerConfig = field(default_factory=ControllerConfig)
    evaluator: EvaluatorConfig = field(default_factory=EvaluatorConfig)
    rounds: RoundsConfig = field(default_factory=RoundsConfig)

    def __post_init__(self):
        _check_types("config", self)
        _at_least("config", self, 0, "seed")
        _positive("config", self, "round")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Config":
        return from_dict(json.loads(text))

    def replace(self, **sections: dict) -> "Config":
        """A copy with some fields of some sections changed: replace(vae={'epochs': 2})."""
        return from_dict(_merge(dataclasses.asdict(self), sections))


_SECTIONS = {"env": EnvConfig, "rollouts": RolloutConfig, "vae": VAEConfig, "rnn": RNNConfig,
             "controller": ControllerConfig, "evaluator": EvaluatorConfig, "rounds": RoundsConfig}


def _merge(base: dict, changes: dict) -> dict:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _check_seed_ranges(sections: dict) -> None:
    """Every use's seeds fit its range of the run's block (seeds.py), and the Evaluator's
    tracks stay outside the run's block, so no episode is scored on a track trained on."""
    seed = sections.get("seed", 0)
    ro, cc, ev, rd = (sections.get(k) for k in ("rollouts", "controller", "evaluator", "rounds"))
    room = lambda use: seedlib.RANGES[use][1]
    rounds = rd.count if rd else 1
    split_by = ", split by rounds" if rounds > 1 else ""
    for section, counts in (("rollouts", ro), ("rounds", rd if rounds > 1 else None)):
        for split in ("train", "eval") if counts else ():
            most, got = (seedlib.round_room(f"rollouts_{split}", rounds),
                         getattr(counts, f"{split}_episodes"))
            _check(section, f"{split}_episodes", got <= most,
                   f"at most {most:,} (its seed range{split_by}), got {got:,}")
    if cc:
        _check("controller", "generations",
               cc.generations * cc.max_tracks() <= room("search")
               and cc.generations * cc.dream_episodes <= room("dreams"),
               f"{cc.generations:,} generations of {cc.max_tracks():,} tracks and "
               f"{cc.dream_episodes} dreams per candidate overrun the search's seed ranges "
               f"({room('search'):,} and {room('dreams'):,} seeds)")
        _check("controller", "eval_episodes", cc.eval_episodes <= room("search_eval"),
               f"at most {room('search_eval'):,} (its seed range), got {cc.eval_episodes:,}")
    if ev:
        _check("evaluator", "seed", not seedlib.overlaps_run(seed, ev.seed, ev.episodes),
               f"seeds {ev.seed:,}..{ev.seed + ev.episodes - 1:,} meet run seed {seed}'s "
               f"tracks ({seedlib.block(seed).start:,}..{seedlib.block(seed).stop - 1:,}); "
               "choose another evaluator.seed or seed")


def from_dict(data: dict) -> Config:
    """Builds a Config, naming any unknown section or field."""
    kwargs = {}
    for key, value in data.items():
        if key in _SECTIONS:
            section = _SECTIONS[key]
            if not isinstance(value, dict):
                raise ConfigError(f"{key}: must be a mapping of fields, got {value!r}")
            names = {f.name for f in dataclasses.fields(section)}
            unknown = sorted(set(value) - names)
            if unknown:
                raise ConfigError(f"{key}.{unknown[0]}: unknown field")
            kwargs[key] = section(**value)
        elif key in ("preset", "seed", "round"):
            kwargs[key] = value
        else:
            raise ConfigError(f"{key}: unknown config section")
    cfg = Config(**kwargs)  # checks preset and seed before the checks across sections use them
    _check_seed_ranges(kwargs)
    if "controller" in kwargs and "rnn" in kwargs:  # a stage's config may hold only some sections
        environment, rnn = kwargs["controller"].environment, kwargs["rnn"]
        survival = games.game(kwargs.get("env", EnvConfig()).env_id).survival_reward > 0
        _check("controller", "environment", environment == "real" or rnn.reward_head or survival,
               f"{environment} scores candidates by M's predicted rewards: it needs "
               "rnn.reward_head=true")
        _check("controller", "environment", environment == "real" or rnn.done_head or not survival,
               f"{environment} scores candidates by how long they survive in M's dream: it needs "
               "rnn.done_head=true")
    return cfg


def sections_json(cfg: Config, sections: tuple[str, ...]) -> str:
    """JSON of the preset, the seed and the named sections only; the rounds section and the
    round only in a later round's (round 1 reads neither, so adding rounds keeps its cache)."""
    data = dataclasses.asdict(cfg)
    keep = {"preset", "seed", *sections}
    keep = keep | {"round", "rounds"} if cfg.round > 1 else keep - {"rounds"}
    return json.dumps({k: v for k, v in data.items() if k in keep}, sort_keys=True)


def for_round(cfg: Config, k: int) -> Config:
    """The config round k's stages run on: round 1 is cfg itself; a later round's takes its
    rollout counts, M's steps and learning rate and C's step size and generations from the
    rounds section (0 = unchanged), V's batches and learning rate too where V is refined, and
    its rounds.count is k, so the parameters of a round's stages do not depend on how many
    rounds follow it."""
    if k == 1:
        return cfg
    r = cfg.rounds
    if not 1 <= k <= r.count:
        raise ConfigError(f"round: {k} is not one of rounds 1..{r.count}")
    rollouts = {"train_episodes": r.train_episodes, "eval_episodes": r.eval_episodes}
    rnn = {"steps": r.rnn_steps, "learning_rate": r.rnn_learning_rate}
    vae = {"max_steps": r.vae_steps, "learning_rate": r.vae_learning_rate} if r.vae_steps else {}
    controller = {"sigma0": r.sigma, "generations": r.generations}
    given = lambda section: {name: value for name, value in section.items() if value}
    return cfg.replace(round=k, rounds={"count": k}, rollouts=given(rollouts), rnn=given(rnn),
                       vae=given(vae), controller=given(controller))


PAPER = Config(preset="paper")

SMALL = PAPER.replace(
    preset="small",
    rollouts={"train_episodes": 200, "eval_episodes": 20, "episodes_per_shard": 20},
    vae={"epochs": 3, "batch_size": 64, "shuffle_buffer": 20_000, "checkpoint_every": 500},
    rnn={"steps": 1500, "batch_size": 32, "seq_len": 200},
    controller={"population": 16, "episodes_per_candidate": 2, "generations": 40,
                "eval_every": 10, "eval_episodes": 8},
    evaluator={"episodes": 20, "threshold": 300.0},
)

# Between small and paper: what 2 cores can do in 2 hours, aimed at solving CarRacing. Fewer
# rollouts, V batches and M steps than small, so that most of the time goes to the search,
# which ends hopeless search episodes early and re-evaluates its mean on more tracks; the
# Evaluator plays 100 episodes. The search's population, episodes and first step size are the
# search laboratory's pick (32 candidates on one track each beat 16 on two; sigma0 0.05 beat 0.1);
# V's learning rate is V's laboratory's (1e-3 learnt V faster than 1e-4, 3e-4 and 3e-3 at
# these 1,600 batches under both seeds: docs/laboratories.md).
MEDIUM = SMALL.replace(
    preset="medium",
    rollouts={"train_episodes": 160},
    vae={"max_steps": 1600, "learning_rate": 1e-3},
    rnn={"steps": 1200},
    controller={"population": 32, "episodes_per_candidate": 1, "sigma0": 0.05,
                "generations": 48, "stuck_steps": 60, "eval_every": 6, "eval_episodes": 12},
    evaluator={"episodes": 100, "threshold": 850.0},
)

TINY = PAPER.replace(
    preset="tiny",
    env={"max_steps": 80},
    rollouts={"train_episodes": 4, "eval_episodes": 2, "episodes_per_shard": 2},
    vae={"epochs": 1, "batch_size": 32, "shuffle_buffer": 1000, "interleave_episodes": 4,
         "checkpoint_every": 5},
    rnn={"steps": 10, "batch_size": 4, "seq_len": 32, "checkpoint_every": 5},
    controller={"population": 4, "episodes_per_candidate": 1, "generations": 3,
                "envs_per_worker": 4, "eval_every": 2, "eval_episodes": 2},
    evaluator={"episodes": 2, "threshold": 0.0, "fidelity_controllers": 4,
               "fidelity_episodes": 2},
)

# DoomTakeCover, the paper's second experiment: C trained only in M's dream (which ends when M
# predicts the episode's end; a dreamt step survived is worth 1), scored in the real game.
DOOM_PAPER = PAPER.replace(
    preset="doom_paper",
    env={"env_id": games.TAKE_COVER_GAME.env_id, "max_steps": games.TAKE_COVER_GAME.max_steps},
    rollouts={"train_episodes": 10_000, "eval_episodes": 200, "min_steps": 101},
    vae={"z_size": 64, "epochs": 10},
    rnn={"hidden_units": 512, "done_head": True, "seq_len": 500, "steps": 4000},
    controller={"environment": "dream", "population": 64, "dream_episodes": 16,
                "dream_temperature": 1.15, "generations": 200, "eval_every": 10,
                "eval_episodes": 16, "weight_decay": 0.0},
    evaluator={"episodes": 100, "threshold": 750.0},
)

# What 2 cores can do in 2 hours: a tenth of the paper's rollouts, V on half an epoch of them
# at V's laboratory's learning rate (1e-3 against the paper's 1e-4 and 3e-3 at these 2,000
# batches: docs/laboratories.md), a shorter-windowed M, short searches in short dreams started
# all along the real episodes, then three more rounds of the paper's iterative training: each
# plays the last agent (its choices noised so a tenth of its stays become steps), refines M on
# it and searches C again from the last. Round 1's dream-only C only ever goes left (174 over
# 100 real episodes); after the fourth round C scores 575 (docs/rounds.md, 92 min here).
DOOM = DOOM_PAPER.replace(
    preset="doom",
    rollouts={"train_episodes": 1000, "eval_episodes": 50},
    vae={"batch_size": 64, "max_steps": 2000, "shuffle_buffer": 20_000, "learning_rate": 1e-3},
    rnn={"batch_size": 32, "seq_len": 100, "steps": 400},
    controller={"generations": 10, "eval_every": 5, "eval_episodes": 8,
                "dream_starts_every": 10, "dream_steps": 250},
    rounds={"count": 4, "train_episodes": 300, "eval_episodes": 30, "rnn_steps": 200,
            "rnn_learning_rate": 3e-4, "action_noise": 0.3},
)

DOOM_TINY = DOOM_PAPER.replace(
    preset="doom_tiny",
    env={"max_steps": 300},
    rollouts={"train_episodes": 4, "eval_episodes": 2, "episodes_per_shard": 2, "min_steps": 1},
    vae={"epochs": 1, "batch_size": 32, "shuffle_buffer": 1000, "interleave_episodes": 4,
         "checkpoint_every": 5},
    rnn={"steps": 10, "batch_size": 4, "seq_len": 32, "checkpoint_every": 5},
    controller={"population": 4, "dream_episodes": 2, "generations": 3, "dream_steps": 100,
                "envs_per_worker": 4, "eval_every": 2, "eval_episodes": 2},
    evaluator={"episodes": 2, "threshold": 0.0, "fidelity_controllers": 4,
               "fidelity_episodes": 2},
)

PRESETS = {"tiny": TINY, "small": SMALL, "medium": MEDIUM, "paper": PAPER,
           "doom_tiny": DOOM_TINY, "doom": DOOM, "doom_paper": DOOM_PAPER}


def with_overrides(cfg: Config, assignments: list[str]) -> Config:
    """Applies `section.field=value` strings; values are parsed as JSON, else kept as text."""
    changes: dict = {}
    for item in assignments:
        name, sep, raw = item.partition("=")
        section, dot, fld = name.strip().partition(".")
        if not sep or not dot or section not in _SECTIONS:
            raise ConfigError(f"--set {item}: expected SECTION.FIELD=VALUE with SECTION one of "
                              f"{', '.join(_SECTIONS)}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        changes.setdefault(section, {})[fld] = value
    return cfg.replace(**changes)


def resolve_precision(cfg: Config) -> Config:
    """cfg with `auto` precisions made this CPU's choice (precision.resolve)."""
    return cfg.replace(vae={"precision": precision.resolve(cfg.vae.precision)},
                       rnn={"precision": precision.resolve(cfg.rnn.precision)})


def preset(name: str) -> Config:
    if name not in PRESETS:
        raise ConfigError(f"--preset: unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]

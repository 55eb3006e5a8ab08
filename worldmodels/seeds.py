"""Which CarRacing track (or dream) each episode of a run uses: one layout, written once.

Run seed s owns the block [s * BLOCK, (s + 1) * BLOCK); inside it, each use has its own range,
so rollouts (train, eval), CMA-ES search episodes, dreams and the evaluations of the mean never
share a seed. The Evaluator's episodes use `evaluator.seed + i`; the config refuses an
`evaluator.seed` range that meets the run's block.
"""
from __future__ import annotations

BLOCK = 1_000_000
EVALUATOR_DEFAULT = 10_000_000  # evaluator.seed's default, and `worldmodels play`'s
# Offset and size of each range inside a run's block.
# lab_dreams: dreams a laboratory scores a finished controller in, never a search's.
RANGES = {"rollouts_train": (0, 500_000), "rollouts_eval": (500_000, 100_000),
          "dreams": (600_000, 95_000), "lab_dreams": (695_000, 5_000),
          "search": (700_000, 200_000), "search_eval": (900_000, 100_000)}


# Rounds (config.RoundsConfig) split the rollout ranges: round k's episodes start at
# (k - 1) * size / MAX_ROUNDS of each, so no round replays another's tracks.
MAX_ROUNDS = 10


def round_room(use: str, rounds: int) -> int:
    """Seeds a round may use of the range `use` in a run of `rounds` rounds."""
    size = RANGES[use][1]
    return size if rounds == 1 else size // MAX_ROUNDS


def round_seeds(run_seed: int, use: str, k: int, count: int) -> list[int]:
    """Round k's first `count` seeds of the range `use` (a rollout range)."""
    return seeds(run_seed, use, (k - 1) * (RANGES[use][1] // MAX_ROUNDS), count)


def seeds(run_seed: int, use: str, start: int, count: int) -> list[int]:
    """Seeds start .. start + count - 1 of the range `use` in run `run_seed`'s block."""
    offset, size = RANGES[use]
    if start < 0 or start + count > size:
        raise ValueError(f"{use}: seeds {start}..{start + count - 1} outside its {size:,} seeds")
    first = block(run_seed).start + offset + start
    return list(range(first, first + count))


def block(run_seed: int) -> range:
    """Every seed run `run_seed` may use."""
    return range(run_seed * BLOCK, (run_seed + 1) * BLOCK)


def overlaps_run(run_seed: int, first: int, count: int) -> bool:
    """Whether seeds first .. first + count - 1 meet run `run_seed`'s block."""
    return first < block(run_seed).stop and block(run_seed).start < first + count

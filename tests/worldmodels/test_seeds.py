"""Seed ranges are laid out in seeds.py alone: no other module computes a track from the block
size or a range's offset."""
from __future__ import annotations

import pathlib
import re

from worldmodels import seeds

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_blocks_and_ranges_come_from_seeds_py():
    assert seeds.block(3) == range(3_000_000, 4_000_000)
    assert seeds.seeds(3, "search", 5, 2) == [3_700_005, 3_700_006]
    assert (seeds.overlaps_run(3, 3_999_999, 1), seeds.overlaps_run(3, 4_000_000, 5)) == (True, False)
    literals = {f"{n:_}" for n in (seeds.BLOCK, seeds.EVALUATOR_DEFAULT)} | {
        f"{n:_}" for offset, size in seeds.RANGES.values() for n in (offset, size) if n}
    literals |= {s.replace("_", "") for s in literals}
    pattern = re.compile(r"(?<![\w.])(" + "|".join(sorted(literals, key=len, reverse=True)) + r")(?![\w.])")
    found = []
    for directory in ("worldmodels", "components", "pipeline"):
        for path in (ROOT / directory).rglob("*.py"):
            if path.name != "seeds.py":
                found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(path.read_text())]
    assert found == []

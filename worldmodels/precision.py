"""The precision V and M compute in. `bfloat16` is mixed precision: weights, the loss and the
optimizer's state stay float32 and only the layers' products run in bfloat16, which keeps
float32's range (no loss scaling) with 8 bits of mantissa. It pays only on CPUs with bfloat16
units (Intel AMX, AVX512_BF16; oneDNN emulates it elsewhere, slower than float32), so `auto`
picks bfloat16 only where /proc/cpuinfo lists one. Pure Python: the command line resolves
`auto` before a run, so the choice is printed and is part of every cache key.
"""
from __future__ import annotations

CHOICES = ("float32", "bfloat16", "auto")
BFLOAT16_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo's names of the bfloat16 units


def cpu_bfloat16_units(cpuinfo: str = "/proc/cpuinfo") -> list[str]:
    """The bfloat16 units this CPU lists (none where the file cannot be read)."""
    try:
        with open(cpuinfo) as f:
            flags = next((line.split(":", 1)[1].split() for line in f
                          if line.startswith("flags")), [])
    except OSError:
        return []
    return [flag for flag in BFLOAT16_FLAGS if flag in flags]


def resolve(precision: str, units: list[str] | None = None) -> str:
    """float32 or bfloat16: `auto` becomes bfloat16 where the CPU has bfloat16 `units`
    (default: this CPU's)."""
    if precision != "auto":
        return precision
    return "bfloat16" if (cpu_bfloat16_units() if units is None else units) else "float32"


def keras_policy(precision: str) -> str:
    """The Keras dtype policy of a layer computing in `precision` (auto resolved here)."""
    return "mixed_bfloat16" if resolve(precision) == "bfloat16" else "float32"

"""What the search laboratory compares: settings named by levers, levers joined by +, or named
sets of config changes; and where a setting branches off (--from). Pure Python, so the command
line lists the levers without loading TensorFlow."""
from __future__ import annotations

# Each lever sets one thing outright, so its meaning does not depend on the preset ("base" is
# the preset as it is). Population and episodes trade against each other at equal steps per
# generation (16 x 2 = 32 x 1).
LEVERS = {
    "base": [],
    "pop16x2": ["controller.population=16", "controller.episodes_per_candidate=2"],
    "pop16x1": ["controller.population=16", "controller.episodes_per_candidate=1"],
    "pop32x1": ["controller.population=32", "controller.episodes_per_candidate=1"],
    "pop64x1": ["controller.population=64", "controller.episodes_per_candidate=1"],
    "diagonal": ["controller.cma_diagonal=true"],
    "mirrored": ["controller.mirrored=true"],
    "groups4": ["controller.track_groups=4"],
    "groups8": ["controller.track_groups=8"],
    "groups16": ["controller.track_groups=16"],  # with pop32x1+mirrored: a track per pair
    "sigma0.025": ["controller.sigma0=0.025"],
    "sigma0.05": ["controller.sigma0=0.05"],
    "sigma0.1": ["controller.sigma0=0.1"],
    "sigma0.2": ["controller.sigma0=0.2"],
    "no_decay": ["controller.weight_decay=0"],
    "stuck20": ["controller.stuck_steps=20"],
    "no_stuck": ["controller.stuck_steps=0"],
}


def parse_setting(text: str) -> tuple[str, list[str]]:
    """'diagonal' -> LEVERS['diagonal']; 'pop32x1+diagonal' -> both levers' changes;
    'name=a.b=1,c.d=2' -> ('name', ['a.b=1', 'c.d=2'])."""
    levers = text.split("+")
    if all(lever in LEVERS for lever in levers):
        return text, [change for lever in levers for change in LEVERS[lever]]
    name, sep, sets = text.partition("=")
    if not sep or not name or not sets:
        raise ValueError(f"--setting {text}: a lever ({', '.join(LEVERS)}), levers joined by "
                         "+, or NAME=SECTION.FIELD=VALUE[,SECTION.FIELD=VALUE]")
    return name, sets.split(",")


def parse_from(text: str) -> tuple[str, int]:
    """'p32s05@800000' -> ('p32s05', 800000)."""
    setting, _, steps = text.rpartition("@")
    if not setting or not steps.isdigit():
        raise ValueError(f"--from {text}: SETTING@STEPS, e.g. base@800000")
    return setting, int(steps)

"""What the laboratories compare: settings named by levers, levers joined by +, or named sets
of config changes; and where a search setting branches off (--from). Pure Python, so the
command line lists the levers without loading TensorFlow."""
from __future__ import annotations

# Each lever sets one thing outright, so its meaning does not depend on the preset ("base" is
# the preset as it is). Population and episodes trade against each other at equal steps per
# generation (16 x 2 = 32 x 1).
SEARCH_LEVERS = {
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

# V's levers: the learning rate (the paper's 1e-4), the batch (a larger one costs more per
# batch: compare at equal minutes too), and the precision.
VAE_LEVERS = {
    "base": [],
    "lr1e-4": ["vae.learning_rate=1e-4"],
    "lr3e-4": ["vae.learning_rate=3e-4"],
    "lr1e-3": ["vae.learning_rate=1e-3"],
    "lr3e-3": ["vae.learning_rate=3e-3"],
    "batch32": ["vae.batch_size=32"],
    "batch64": ["vae.batch_size=64"],
    "batch100": ["vae.batch_size=100"],
    "float32": ["vae.precision=float32"],
    "bfloat16": ["vae.precision=bfloat16"],
}


def parse_setting(text: str, levers: dict[str, list[str]]) -> tuple[str, list[str]]:
    """'diagonal' -> ('diagonal', levers['diagonal']); 'pop32x1+diagonal' -> both levers'
    changes; 'name=a.b=1,c.d=2' -> ('name', ['a.b=1', 'c.d=2'])."""
    named = text.split("+")
    if all(lever in levers for lever in named):
        return text, [change for lever in named for change in levers[lever]]
    name, sep, sets = text.partition("=")
    if not sep or not name or not sets:
        raise ValueError(f"--setting {text}: a lever ({', '.join(levers)}), levers joined by "
                         "+, or NAME=SECTION.FIELD=VALUE[,SECTION.FIELD=VALUE]")
    return name, sets.split(",")


def parse_from(text: str) -> tuple[str, int]:
    """'p32s05@800000' -> ('p32s05', 800000)."""
    setting, _, steps = text.rpartition("@")
    if not setting or not steps.isdigit():
        raise ValueError(f"--from {text}: SETTING@STEPS, e.g. base@800000")
    return setting, int(steps)

"""`worldmodels lab vae`: V trained from one finished run's rollouts under several settings,
each under each seed, measured at the same marks of batches (lab.vae): wall minutes, the
held-out reconstruction loss and the error on the pixels that matter, with real-vs-
reconstructed strips of the frames where the most pixels matter. Resumable: a rerun with the
same --work continues, and a larger --batches extends the runs.

    worldmodels lab vae (--root ROOT | --rollouts DIR) [--preset medium]
        [--setting base --setting lr3e-4] [--seeds 0 1] [--batches 1600] [--mark-every 400]
        [--work DIR]
"""
from __future__ import annotations

import os
import time

import numpy as np
from PIL import Image

from worldmodels import config
from worldmodels.inspect import visuals
from worldmodels.inspect.metadata import newest_rollouts
from worldmodels.lab import settings
from worldmodels.lab import vae as vae_lab


def marks(batches: int, every: int) -> list[int]:
    return list(range(every, batches + 1, every)) or [batches]


def print_table(runs: list[vae_lab.VRun], columns: list[int]) -> None:
    """Per setting and mark: held-out reconstruction loss, error on the pixels that matter,
    minutes (each seed, then their mean)."""
    print("\nV on the eval split at each mark of batches: reconstruction loss per image / error "
          "per pixel that matters (x1000) / training minutes, each seed then their mean")
    by_setting: dict[str, list[vae_lab.VRun]] = {}
    for run in runs:
        by_setting.setdefault(run.setting, []).append(run)
    width = max(len(s) for s in by_setting) + 2
    print(f"  {'setting':<{width}}" + "".join(f"{m:>34,}" for m in columns))
    for setting, group in by_setting.items():
        cells = []
        for m in columns:
            got = [next((k for k in r.marks if k.batches == m), None) for r in group]
            got = [k for k in got if k]
            if not got:
                cells.append(f"{'-':>34}")
                continue
            r = np.mean([k.eval_reconstruction for k in got])
            e = np.mean([k.matter_error for k in got]) * 1000
            t = np.mean([k.train_minutes for k in got])
            cells.append(f"{r:>14.1f} / {e:6.1f} / {t:5.1f} min")
        print(f"  {setting:<{width}}" + "".join(cells))


def save_strip(path: str, pictures: np.ndarray) -> None:
    """Real frames above their reconstructions, 3x enlarged."""
    Image.fromarray(visuals.grid([visuals.upscale(row, 3) for row in pictures])).save(path)


def main(args) -> int:
    if args.batches <= 0 or args.mark_every <= 0:
        raise ValueError(f"--batches and --mark-every: must be > 0, got {args.batches} and "
                         f"{args.mark_every}")
    named = dict(settings.parse_setting(s, settings.VAE_LEVERS)
                 for s in (args.setting or ["base"]))
    base = config.with_overrides(config.preset(args.preset), args.set)
    vaes = {name: config.with_overrides(base, sets).vae for name, sets in named.items()}
    if args.rollouts and not args.work:
        raise ValueError("--work: needed with --rollouts (nothing is written into an artifact)")
    rollouts = args.rollouts or newest_rollouts(args.root)
    work = args.work or os.path.join(args.root, "vae_lab")
    os.makedirs(os.path.join(work, "strips"), exist_ok=True)
    runs = vae_lab.load_runs(work, [vae_lab.VRun(name, seed, cfg) for name, cfg in vaes.items()
                                    for seed in args.seeds])
    columns = marks(args.batches, args.mark_every)
    print(f"V laboratory: {len(runs)} runs to {args.batches:,} batches each, rollouts "
          f"{rollouts}, work in {work}", flush=True)
    episodes = vae_lab.eval_episodes(rollouts)
    started = time.time()
    for mark in columns:  # every run reaches a mark before any goes on
        for run in runs:
            if any(k.batches == mark for k in run.marks):
                continue
            measured, model = vae_lab.measure(run, rollouts, mark, work, episodes)
            run.marks.append(measured)
            vae_lab.save_runs(work, runs)
            save_strip(os.path.join(work, "strips", f"{run.name}.png"),
                       vae_lab.strip(model, episodes))
            print(f"[{(time.time() - started) / 60:6.1f} min] {run.name}: {mark:,} batches, "
                  f"reconstruction {measured.eval_reconstruction:.1f}, pixels that matter "
                  f"{measured.matter_error * 1000:.1f} (x1000), {measured.train_minutes:.1f} "
                  "min", flush=True)
    print_table(runs, columns)
    print(f"every mark: {os.path.join(work, 'results.json')}; strips (real above V's): "
          f"{os.path.join(work, 'strips')}")
    return 0

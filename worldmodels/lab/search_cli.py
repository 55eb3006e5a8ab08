"""`worldmodels lab search`: ControllerSearch's CMA-ES under several settings, from one
finished run's V and M, each setting under each CMA-ES seed run to the same budget of
environment steps, on the same tracks per generation, its mean watched on the same fixed
tracks every --watch-every steps (lab.search). Prints the watched means at each mark and
plots them against environment steps. Resumable: a rerun with the same --work continues.

    worldmodels lab search --root ROOT [--preset medium]
        [--setting base --setting diagonal --setting 'mine=controller.sigma0=0.2,...']
        [--cma-seeds 0 1] [--budget 2000000] [--watch-every 250000] [--watch-tracks 24]
        [--from SETTING@STEPS]

A setting is a lever's name from lab.settings.SEARCH_LEVERS, levers joined by + (pop32x1+diagonal), or
NAME=SECTION.FIELD=VALUE[,SECTION.FIELD=VALUE]. With --from, settings not yet run start where
SETTING's run under the same seed stood at its first watch at or past STEPS (a snapshot in the
work directory), for levers of the late search; the budget still counts from step 0.
"""
from __future__ import annotations

import dataclasses
import json
import os
import time

import numpy as np

from worldmodels import config, layout
from worldmodels.engine.scorers import real_scorer
from worldmodels.games import game
from worldmodels.export import serving
from worldmodels.inspect.metadata import newest_inputs
from worldmodels.lab import search as search_lab
from worldmodels.lab import settings
from worldmodels.models import controller


def marks(budget: int, every: int) -> list[int]:
    return list(range(every, budget + 1, every)) or [budget]


def steps_label(steps: int) -> str:
    return f"{steps / 1e6:.2f}M" if steps >= 1e5 else f"{steps:,}"  # 0.10M and up


def print_table(runs, budget: int, every: int, watch_tracks: int) -> None:
    columns = marks(budget, every)
    print(f"\nThe mean's return on {watch_tracks} fixed tracks at each budget of search steps "
          "(each CMA-ES seed, then their mean)")
    width = max(len(r.setting) for r in runs) + 2
    head = "".join(f"{steps_label(m):>21}" for m in columns)
    print(f"  {'setting':<{width}}{head}{'best watched':>24}  steps/s")
    by_setting: dict[str, list] = {}
    for run in runs:
        by_setting.setdefault(run.setting, []).append(run)
    for setting, group in by_setting.items():
        cells = []
        for m in columns:
            got = [search_lab.watched_at(r, m) for r in group]
            values = [w.mean for w in got if w is not None]
            text = " / ".join(f"{v:.0f}" for v in values)
            if len(values) > 1:
                text += f" ({np.mean(values):.0f})"
            cells.append(f"{text or '-':>21}")
        best = [search_lab.best_watch(r) for r in group]
        best_text = " / ".join(f"{w.mean:.0f}@{steps_label(w.steps)}" for w in best if w)
        rate = sum(r.steps + r.watch_steps for r in group) / max(sum(r.seconds for r in group), 1)
        print(f"  {setting:<{width}}{''.join(cells)}{best_text or '-':>24}  {rate:7.1f}")


def picks(run) -> list[tuple[str, object]]:
    """The watched means a search could hand on: its best watched, and its last."""
    return [(p, w) for p, w in (("best watched", search_lab.best_watch(run)),
                                ("last", run.watches[-1] if run.watches else None)) if w]


def held_out_scores(lab, runs, count: int, path: str) -> dict:
    """Each run's picks scored on `count` held-out tracks, kept in `path` by run and
    generation (a mean already scored is not played again)."""
    scored = {}
    if os.path.exists(path):
        with open(path) as f:
            scored = json.load(f)
    for run in runs:
        for _, watch in picks(run):
            key = f"{run.name} gen{watch.generation}"
            if key not in scored:
                returns = lab.held_out(watch.params, count)
                scored[key] = {"steps": watch.steps, "watched": watch.mean,
                               "held_out_mean": float(returns.mean()),
                               "held_out_std": float(returns.std())}
                with open(path, "w") as f:
                    json.dump(scored, f, indent=1)
    return scored


def print_held_out(scored: dict, runs, count: int) -> None:
    print(f"\nWhich mean to hand on: each run's best-watched and last watched means on {count} "
          "held-out tracks")
    width = max(len(r.name) for r in runs)
    for run in runs:
        for pick, watch in picks(run):
            row = scored[f"{run.name} gen{watch.generation}"]
            print(f"  {run.name:<{width}} {pick:<13} gen {watch.generation:>4} "
                  f"({steps_label(watch.steps)}): watched {watch.mean:7.1f}, held out "
                  f"{row['held_out_mean']:7.1f} +- {row['held_out_std']:5.1f}")


def plot(runs, path: str, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    colours = {}
    for run in runs:
        colour = colours.setdefault(run.setting, f"C{len(colours) % 10}")
        ax.plot([w.steps / 1e6 for w in run.watches], [w.mean for w in run.watches], color=colour,
                linestyle=("-", "--", ":", "-.")[run.cma_seed % 4], marker="o", markersize=3,
                label=run.name)
    ax.set_xlabel("search environment steps (millions)")
    ax.set_ylabel("the mean's return on the watch tracks")
    ax.axhline(900, color="grey", linewidth=0.5)
    ax.set_title(title)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def results_json(runs) -> list[dict]:
    return [{"run": r.name, "setting": r.setting, "cma_seed": r.cma_seed, "parent": r.parent,
             "controller": dataclasses.asdict(r.controller), "steps": r.steps,
             "watch_steps": r.watch_steps,
             "seconds": r.seconds, "generations": r.search.generation,
             "watches": [{"steps": w.steps, "generation": w.generation, "mean": w.mean,
                          "std": w.std} for w in r.watches]} for r in runs]


def main(args) -> int:
    for flag, value in (("--budget", args.budget), ("--watch-every", args.watch_every),
                        ("--watch-tracks", args.watch_tracks)):
        if value <= 0:
            raise ValueError(f"{flag}: must be > 0, got {value}")
    if args.held_out < 0:
        raise ValueError(f"--held-out: must be >= 0, got {args.held_out}")
    named = dict(settings.parse_setting(s, settings.SEARCH_LEVERS)
                 for s in (args.setting or ["base"]))
    branch_from = settings.parse_from(args.branch_from) if args.branch_from else None
    base = config.with_overrides(config.preset(args.preset), args.set)
    controllers = {name: config.with_overrides(base, sets).controller
                   for name, sets in named.items()}
    inputs = newest_inputs(args.root)
    rnn_dir = args.rnn or inputs["rnn"]
    work = args.work or os.path.join(args.root, "search_lab")
    os.makedirs(work, exist_ok=True)
    vae_model = serving.load(os.path.join(inputs["vae"], layout.SERVING_DIR))
    rnn_model = serving.load(os.path.join(rnn_dir, layout.SERVING_DIR))
    dim = controller.parameter_count(int(vae_model.z_size), int(rnn_model.hidden_units),
                                     game(base.env.env_id).action_size)
    runs = [search_lab.load_or_start(work, name, seed, cc, dim, branch_from)
            for name, cc in controllers.items() for seed in args.cma_seeds]
    print(f"search laboratory: {len(runs)} runs to {args.budget:,} steps each, V {inputs['vae']}, "
          f"M {rnn_dir}, states in {work}", flush=True)
    for run in runs:
        if run.parent:
            print(f"  {run.name} branched off {run.parent}", flush=True)
    expected = len(runs) * (args.budget + args.budget // args.watch_every * args.watch_tracks
                            * base.env.max_steps) // base.env.max_steps
    started = time.time()
    with real_scorer(base, inputs["vae"], rnn_dir, expected, None) as scorer:
        lab = search_lab.Laboratory(runs, scorer, base.seed, args.budget, args.watch_every,
                                    args.watch_tracks, work)

        def report(run):
            h = run.search.history[-1]
            watched = f", watched {run.watches[-1].mean:.1f}" if h.eval_mean is not None else ""
            print(f"[{(time.time() - started) / 60:6.1f} min] {run.name}: gen {h.generation}, "
                  f"{run.steps:,} steps, population mean {h.mean:.1f}{watched}", flush=True)
            with open(os.path.join(work, "results.json"), "w") as f:
                json.dump(results_json(runs), f, indent=1)
            if h.eval_mean is not None:
                plot(runs, os.path.join(work, "curves.png"),
                     f"{args.preset}: the mean on {args.watch_tracks} tracks")

        lab.run(report)
        if args.held_out > 0:
            scored = held_out_scores(lab, runs, args.held_out, os.path.join(work, "held_out.json"))
    print_table(runs, args.budget, args.watch_every, args.watch_tracks)
    if args.held_out > 0:
        print_held_out(scored, runs, args.held_out)
    print(f"curves: {os.path.join(work, 'curves.png')}; every watch: "
          f"{os.path.join(work, 'results.json')}")
    return 0


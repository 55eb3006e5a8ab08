"""The paper's temperature table, measured: C searched only in M's dream at each temperature,
from the same V, M and dream starts (a finished DoomTakeCover run's newest artifacts), then
scored in the dream it was trained in and in the real game.

Per temperature the search runs as ControllerSearch does (`worldmodels.stages.controller_search`,
resumable: its state lives under --work), the handed-on controller dreams --dream-episodes
dreams at that temperature and plays --episodes real episodes on the Evaluator's seeds. The
table puts each beside the paper's; results.json under --work keeps every return.

    .venv/bin/python benchmarks/doom_temperatures.py --root ROOT [--preset doom]
        [--set controller.generations=20] [--temperatures 0.1 0.5 1.0 1.15 1.3]
"""
from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np
from common import newest_inputs

PAPER = {0.1: (2086, 193), 0.5: (2060, 196), 1.0: (1145, 868), 1.15: (918, 1092),
         1.3: (732, 753)}  # dream score / real score over 100 episodes


def main() -> int:
    from worldmodels import config, scores, seeds
    from worldmodels.engine import episodes
    from worldmodels.engine.dream import dream_scorer
    from worldmodels.engine.scorers import real_scorer
    from worldmodels.stages import controller_search

    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True, help="a finished DoomTakeCover run's root")
    parser.add_argument("--preset", default="doom")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    parser.add_argument("--temperatures", type=float, nargs="+", default=sorted(PAPER))
    parser.add_argument("--episodes", type=int, default=100, help="real episodes per controller")
    parser.add_argument("--dream-episodes", type=int, default=100)
    parser.add_argument("--work", default=None, help="default: ROOT/temperature_table")
    args = parser.parse_args()
    try:
        base = config.with_overrides(config.preset(args.preset), args.set)
    except config.ConfigError as e:
        raise SystemExit(str(e))
    inputs = newest_inputs(args.root)
    work = args.work or os.path.join(args.root, "temperature_table")
    results_path = os.path.join(work, "results.json")
    results = {}
    if os.path.exists(results_path):
        with open(results_path) as f:
            results = json.load(f)
    for tau in args.temperatures:
        key = f"{tau:g}"
        cfg = base.replace(controller={"dream_temperature": tau})
        here = os.path.join(work, key)
        started = time.time()
        summary = controller_search.run(
            cfg, inputs["vae"], inputs["rnn"], os.path.join(here, "model"),
            os.path.join(here, "run"), os.path.join(here, "state"), None, inputs["latents"])
        params = np.load(os.path.join(here, "model", "params.npy"))[None]
        dream_jobs = [episodes.Job(0, s) for s in seeds.seeds(cfg.seed, "temperature_table", 0,
                                                               args.dream_episodes)]
        with dream_scorer(cfg, inputs["rnn"], inputs["latents"], len(dream_jobs), None) as d:
            dreamt = d.score(params, dream_jobs)
        real_jobs = [episodes.Job(0, cfg.evaluator.seed + i) for i in range(args.episodes)]
        with real_scorer(cfg, inputs["vae"], inputs["rnn"], len(real_jobs), None) as r:
            real = r.score(params, real_jobs)
        results[key] = {"generations": summary["generations"], "dream": dreamt.tolist(),
                        "real": real.tolist(), "seconds": time.time() - started,
                        "real_steps": int(r.steps)}
        os.makedirs(work, exist_ok=True)
        with open(results_path, "w") as f:
            json.dump(results, f, indent=1)
    print(f"\nDoomTakeCover, C searched in M's dream ({base.controller.generations} generations "
          f"of {base.controller.population} x {base.controller.dream_episodes} dreams), scored "
          f"in the dream and in {args.episodes} real episodes")
    print(f"  {'tau':>5}  {'dream':>14}  {'real':>14}  {'real IQM':>8}  {'paper':>11}  minutes")
    for tau in args.temperatures:
        row = results[f"{tau:g}"]
        dream, real = np.array(row["dream"]), np.array(row["real"])
        paper = "{} / {}".format(*PAPER[tau]) if tau in PAPER else "-"
        print(f"  {tau:5.2f}  {dream.mean():6.0f} +- {dream.std():4.0f}  "
              f"{real.mean():6.0f} +- {real.std():4.0f}  {scores.iqm(real):8.0f}  {paper:>11}  "
              f"{row['seconds'] / 60:7.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

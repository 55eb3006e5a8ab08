"""`worldmodels lab temperatures`: the paper's temperature table, measured. C is searched only
in M's dream at each temperature, from the same V, M and dream starts (a finished
DoomTakeCover run's newest artifacts), then scored in the dream it was trained in and in the
real game.

Per temperature the search runs as ControllerSearch does (stages.controller_search, resumable:
its state lives under --work), the handed-on controller dreams --dream-episodes dreams at that
temperature (seeds no search dreams) and plays --episodes real episodes on the Evaluator's
seeds. The table puts each beside the paper's; results.json under --work keeps every return,
and a temperature it holds for the same generations, episode counts and seed is not measured
again (a --work directory is for one run's V and M: each row names them). --seed (default: the preset's) seeds CMA-ES and the dreams; the real episodes stay the
Evaluator's. --round K starts from what round K's search was given, not the root's newest.

    worldmodels lab temperatures --root ROOT [--preset doom] [--set controller.generations=20]
        [--temperatures 0.1 0.5 1.0 1.15 1.3] [--episodes 100] [--dream-episodes 100] [--seed 1]
        [--round 2]
"""
from __future__ import annotations

import json
import os
import time

import numpy as np

from worldmodels import config, scores, seeds
from worldmodels.engine import episodes
from worldmodels.engine.dream import dream_scorer
from worldmodels.engine.scorers import real_scorer
from worldmodels.inspect.metadata import newest_inputs, round_search_inputs
from worldmodels.stages import controller_search

# The paper's table: temperature -> (dream score, real score), each over 100 episodes.
PAPER = {0.1: (2086, 193), 0.5: (2060, 196), 1.0: (1145, 868), 1.15: (918, 1092),
         1.3: (732, 753)}


def measure(cfg: config.Config, inputs: dict, here: str, real_episodes: int,
            dream_episodes: int) -> dict:
    """A dream-only search at cfg's temperature (resumed from `here`), its controller's
    returns in the dream and in the real game, and what that cost."""
    started = time.time()
    summary = controller_search.run(
        cfg, inputs["vae"], inputs["rnn"], os.path.join(here, "model"),
        os.path.join(here, "run"), os.path.join(here, "state"), None, inputs["latents"])
    params = np.load(os.path.join(here, "model", "params.npy"))[None]
    dream_jobs = [episodes.Job(0, s)
                  for s in seeds.seeds(cfg.seed, "lab_dreams", 0, dream_episodes)]
    with dream_scorer(cfg, inputs["rnn"], inputs["latents"], len(dream_jobs), None) as dreams:
        dreamt = dreams.score(params, dream_jobs)
    real_jobs = [episodes.Job(0, cfg.evaluator.seed + i) for i in range(real_episodes)]
    with real_scorer(cfg, inputs["vae"], inputs["rnn"], len(real_jobs), None) as real:
        returns = real.score(params, real_jobs)
    return {"generations": summary["generations"], "seed": cfg.seed, "inputs": inputs,
            "dream": dreamt.tolist(),
            "real": returns.tolist(), "seconds": time.time() - started,
            "real_steps": int(real.steps)}


def main(args) -> int:
    for flag, value in (("--episodes", args.episodes), ("--dream-episodes", args.dream_episodes)):
        if value <= 0:
            raise ValueError(f"{flag}: must be > 0, got {value}")
    base = config.with_overrides(config.preset(args.preset), args.set)
    if args.seed is not None:
        base = base.replace(seed=args.seed)
    if base.controller.environment != "dream":
        raise ValueError(f"--preset {args.preset}: the table searches in M's dream; "
                         f"controller.environment is {base.controller.environment!r}")
    temperatures = args.temperatures or sorted(PAPER)
    inputs = (round_search_inputs(args.root, args.round) if args.round
              else newest_inputs(args.root))
    work = args.work or os.path.join(args.root, "temperature_table")
    os.makedirs(work, exist_ok=True)
    results_path = os.path.join(work, "results.json")
    results = {}
    if os.path.exists(results_path):
        with open(results_path) as f:
            results = json.load(f)
    cc = base.controller
    for tau in temperatures:
        key, row = f"{tau:g}", results.get(f"{tau:g}")
        if not row or (row["generations"], len(row["real"]), len(row["dream"]),
                       row.get("seed", 0)) != (cc.generations, args.episodes,
                                               args.dream_episodes, base.seed):
            cfg = base.replace(controller={"dream_temperature": tau})
            results[key] = measure(cfg, inputs, os.path.join(work, key), args.episodes,
                                   args.dream_episodes)
            with open(results_path, "w") as f:
                json.dump(results, f, indent=1)
    print(f"\nDoomTakeCover, C searched in M's dream ({cc.generations} generations of "
          f"{cc.population} x {cc.dream_episodes} dreams), scored in the dream and in the real "
          "game (steps survived)")
    print(f"  {'tau':>5}  {'dream':>14}  {'real':>14}  {'real IQM':>8}  {'paper':>11}  minutes")
    for tau in temperatures:
        row = results[f"{tau:g}"]
        dream, real = np.array(row["dream"]), np.array(row["real"])
        paper = "{} / {}".format(*PAPER[tau]) if tau in PAPER else "-"
        print(f"  {tau:5.2f}  {dream.mean():6.0f} +- {dream.std():4.0f}  "
              f"{real.mean():6.0f} +- {real.std():4.0f}  {scores.iqm(real):8.0f}  {paper:>11}  "
              f"{row['seconds'] / 60:7.1f}")
    print(f"every return: {results_path}")
    return 0

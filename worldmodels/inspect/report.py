"""`worldmodels report`: one self-contained HTML page about the newest agent, with PNGs and
GIFs beside it: V's reconstructions of eval frames (and of the frames where what moves is
mid-way: DoomTakeCover's fireballs), a dream of M next to the real episode,
the CMA-ES curve, the Evaluator's returns against the paper, every round's score and dream
fidelity, and the agent's lineage.

Every artifact is found through ML Metadata, walking back from the newest Evaluator's agent,
so the page describes the models that agent was built from even when later runs trained
others; every number on the page is read from those artifacts."""
from __future__ import annotations

import html
import json
import os
from dataclasses import dataclass

import numpy as np
from PIL import Image

from worldmodels import layout
from worldmodels.data import rlds
from worldmodels.engine import dream
from worldmodels.export import serving
from worldmodels.inspect import lineage, metadata, visuals
from worldmodels.training import cmaes

SCALE = 2  # 64x64 observations are shown at 128x128
RECONSTRUCTIONS = 8  # eval frames in the reconstruction grid
REPORT_EPISODES = 8  # eval episodes read: a moving frame of each, the grid's frames from
GRID_EPISODES = 4  # the first four, the first one dreamed
GIF_FPS = 20


@dataclass
class Run:
    """The newest agent's chain: its lineage rows, the row of each component's artifact on
    that chain, the Evaluator's evaluation.json and the CMA-ES history.json."""
    rows: list[dict]
    artifacts: dict[str, dict]
    evaluation: dict
    history: list[dict]

    def uri(self, component: str) -> str:
        return self.artifacts[component]["uri"]

    def prop(self, component: str, name: str):
        return self.artifacts[component]["properties"][name]


def find_run(root: str) -> Run:
    """The newest finished Evaluator's agent and what it was built from."""
    store = metadata.open_store(root)
    runs = metadata.finished_executions(store, metadata.EVALUATOR_TYPE)
    if not runs:
        raise LookupError(f"{root}: no finished Evaluator run in ML Metadata")
    outputs = metadata.output_artifacts(store, runs[-1].id)
    rows = lineage.lineage(root, outputs["agent"].id)
    artifacts = {}
    for row in rows:
        artifacts.setdefault(row["component"], row)
    with open(os.path.join(outputs["evaluation"].uri, "evaluation.json")) as f:
        evaluation = json.load(f)
    with open(os.path.join(artifacts["ControllerSearch"]["uri"], "history.json")) as f:
        history = json.load(f)
    return Run(rows, artifacts, evaluation, history)


def summary(run: Run) -> list[tuple[str, str, float, str]]:
    """(key, label, value, format) of the numbers the page states: from the artifacts' files
    where they hold them (ML Metadata's sqlite store keeps float properties to 6 decimal
    places), from the artifacts' properties otherwise."""
    ev = run.evaluation
    return [
        ("mean_return", "mean return", ev["mean"], ".2f"),
        ("std_return", "std of the return", ev["std"], ".2f"),
        ("iqm_return", "interquartile mean (IQM) of the return", ev["iqm"], ".2f"),
        ("iqm_ci_low", "IQM, bootstrap 95% confidence interval: low", ev["iqm_ci_low"], ".2f"),
        ("iqm_ci_high", "IQM, bootstrap 95% confidence interval: high", ev["iqm_ci_high"], ".2f"),
        ("median_return", "median return", ev["median"], ".2f"),
        ("episodes", "evaluation episodes", len(ev["returns"]), "d"),
        ("threshold", "blessing threshold", ev["threshold"], "g"),
        ("eval_reconstruction_loss", "V: eval reconstruction loss (summed squared error per "
         "image)", run.prop("VAETrainer", "eval_reconstruction_loss"), ".2f"),
        ("eval_nll", "M: eval negative log-likelihood (mean per latent dimension and step)",
         run.prop("RNNTrainer", "eval_nll"), ".4f"),
        ("generations", "C: CMA-ES generations", len(run.history), "d"),
        ("best_eval_mean", "C: the handed-on distribution mean on the real evaluation seeds",
         cmaes.handed_on(run.history)["eval_mean"], ".2f"),
        ("search_env_steps", "C: real environment steps of the search",
         run.history[-1]["env_steps"], "d"),
        ("search_dream_steps", "C: M steps dreamt by the search",
         run.history[-1].get("dream_steps", 0), "d"),
        ("search_minutes", "C: wall time of the search (minutes)",
         run.history[-1]["elapsed_s"] / 60.0, ".1f"),
    ]


def _dream_gifs(vae, rnn, episode: dict, out_dir: str, context: int, frames: int,
                temperature: float, seed: int) -> tuple[int, int]:
    """real.gif and dream.gif, the same number of frames; returns (frames, context)."""
    obs = episode["steps"]["observation"][:frames]
    context = min(context, len(obs))
    z = vae.encode(obs[:context].astype(np.float32) / 255.0)["mu"].numpy()
    dreamed = visuals.decode_uint8(vae, dream.imagine(
        rnn, z, episode["steps"]["action"], len(obs), temperature, seed))
    last = len(obs) - 1
    real = [visuals.caption(visuals.upscale(f, SCALE), f"real {t}/{last}")
            for t, f in enumerate(obs)]
    label = lambda t: (f"V {t}/{last}", "white") if t < context else (f"dream {t}/{last}",
                                                                       "orange")
    fake = [visuals.caption(visuals.upscale(f, SCALE), *label(t)) for t, f in enumerate(dreamed)]
    visuals.write_gif(real, os.path.join(out_dir, "real.gif"), GIF_FPS)
    visuals.write_gif(fake, os.path.join(out_dir, "dream.gif"), GIF_FPS)
    return len(obs), context


def build_report(root: str, out_dir: str, temperature: float = 1.0, context: int = 10,
                 dream_frames: int = 300, seed: int = 0) -> str:
    """Writes index.html and its images into out_dir; returns the page's path. The dream
    starts from the first eval episode's first `context` frames and runs `dream_frames`
    frames at most (or the episode's length), sampled at `temperature` with `seed`."""
    if temperature <= 0:
        raise ValueError(f"--temperature {temperature}: must be > 0")
    run = find_run(root)
    os.makedirs(out_dir, exist_ok=True)
    vae = serving.load(os.path.join(run.uri("VAETrainer"), layout.SERVING_DIR))
    rnn = serving.load(os.path.join(run.uri("RNNTrainer"), layout.SERVING_DIR))
    episodes = rlds.read_episode_arrays(run.uri("RolloutGen"), "eval", REPORT_EPISODES)

    observations = [ep["steps"]["observation"] for ep in episodes]
    pool = np.concatenate(observations[:GRID_EPISODES])
    real = pool[np.linspace(0, len(pool) - 1, RECONSTRUCTIONS).astype(int)]
    for name, frames in (("reconstructions.png", real),
                         ("moving.png", visuals.mid_motion_frames(observations, RECONSTRUCTIONS))):
        rows = [visuals.upscale(x, SCALE) for x in (frames, visuals.reconstruct(vae, frames))]
        Image.fromarray(visuals.grid(rows)).save(os.path.join(out_dir, name))

    frames, context = _dream_gifs(vae, rnn, episodes[0], out_dir, context, dream_frames,
                                  temperature, seed)
    visuals.cmaes_figure(run.history).savefig(os.path.join(out_dir, "cmaes.png"))
    visuals.learning_curve_figure(run.history).savefig(os.path.join(out_dir, "learning_curve.png"))
    env_id = _text(episodes[0]["env_id"])
    visuals.returns_figure(run.evaluation["returns"], env_id).savefig(
        os.path.join(out_dir, "returns.png"))

    page = os.path.join(out_dir, "index.html")
    with open(page, "w") as f:
        f.write(_html(root, run, episodes[0], frames, context, temperature, seed))
    return page


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _table(header: list[str], rows: list[list[str]], attrs: str = "") -> str:
    """An HTML table; cells are given as HTML (escape text before)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return f"<table{attrs}><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>"


def _summary_table(run: Run) -> str:
    """The page's numbers; each cell keeps the artifact's exact value in data-value."""
    rows = "".join(f'<tr><td>{html.escape(label)}</td><td class="num" data-key="{key}" '
                   f'data-value="{value!r}">{value:{fmt}}</td></tr>\n'
                   for key, label, value, fmt in summary(run))
    return f'<table id="summary"><tbody>\n{rows}</tbody></table>'


def _rounds_table(rows: list[dict]) -> str:
    """Per round: the real score and whether its dream can be trusted (engine/fidelity.py)."""
    def fidelity(row, key, fmt):
        got = row.get("dream_fidelity", {})
        if "unmeasured" in got:
            return html.escape(got["unmeasured"]) if key == "rank_correlation" else ""
        value = got.get(key)
        return "constant" if value is None else f"{value:{fmt}}"

    return _table(["round", "mean return", "IQM", "episodes", "dream-real rank correlation",
                   "dream minus real (mean)"],
                  [[str(r["round"]), f"{r['mean']:.1f} +- {r['std']:.1f}", f"{r['iqm']:.1f}",
                    str(len(r["returns"])), fidelity(r, "rank_correlation", ".2f"),
                    fidelity(r, "gap", ".1f")] for r in rows], ' id="rounds"')


def _lineage_table(run: Run) -> str:
    rows = []
    for row in run.rows:
        if row["repeated"]:
            continue
        props = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                          for k, v in sorted(row["properties"].items()))
        cached = f"; reused by {row['cached_by']}" if row["cached_by"] else ""
        rows.append([f'<span style="padding-left:{1.5 * row["depth"]}em">'
                     f'{html.escape(row["type"])}</span>',
                     str(row["artifact_id"]), f"<code>{html.escape(row['uri'])}</code>",
                     html.escape(f"{row['component']} #{row['execution_id']} ({row['state']}"
                                 f"{cached})"),
                     html.escape(row["time"]), html.escape(props)])
    return _table(["artifact", "id", "uri", "produced by execution", "time", "properties"],
                  rows, ' id="lineage"')


def _html(root: str, run: Run, episode: dict, frames: int, context: int,
          temperature: float, seed: int) -> str:
    episodes = _table(["seed", "return"], [[str(s), f"{r:.2f}"] for s, r in
                                           zip(run.evaluation["seeds"], run.evaluation["returns"])])
    verdict = "BLESSED" if run.evaluation["blessed"] else "NOT BLESSED"
    agent = run.artifacts["Evaluator"]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>worldmodels report</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:1em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}
td.num{{text-align:right}}img{{image-rendering:pixelated}}figure{{display:inline-block}}</style>
</head><body>
<h1>World Models on {html.escape(_text(episode["env_id"]))}</h1>
<p>Run root <code>{html.escape(os.path.abspath(root))}</code>; agent artifact
#{agent['artifact_id']} (<code>{html.escape(agent['uri'])}</code>), {verdict}.</p>
{_summary_table(run)}
<details><summary>returns per evaluation episode</summary>{episodes}</details>
<h2>V: eval frames and their reconstructions</h2>
<p>Top: real 64x64 eval observations; bottom: V's decoding of their posterior mean.</p>
<img src="reconstructions.png" alt="real eval frames above V's reconstructions">
<p>Where V must see: from each eval episode, the frame where what moves against the
episode's median frame is mid-way (in DoomTakeCover, a fireball on its way), real above V's
reconstruction. A V that blurs these away leaves M and C nothing to react to.</p>
<img src="moving.png" alt="moving eval frames above V's reconstructions">
<h2>M: a dream</h2>
<p>Eval episode {int(episode['episode_id'])} (seed {int(episode['seed'])}), {frames} frames.
Right: the first {context} frames are V's reconstructions of the real ones; from frame
{context} on, M imagines each next z from its own previous sample and the episode's real
action (temperature {temperature:g}, seed {seed}), and V decodes it.</p>
<figure><img src="real.gif" alt="the real episode"><figcaption>real</figcaption></figure>
<figure><img src="dream.gif" alt="M's dream of the episode"><figcaption>dream</figcaption></figure>
<h2>C: CMA-ES</h2>
<img src="cmaes.png" alt="CMA-ES returns per generation">
<img src="learning_curve.png" alt="returns against environment steps and wall time">
<h2>The agent's returns</h2>
<img src="returns.png" alt="histogram of evaluation returns with reference scores">
<h2>Rounds and the dream's fidelity</h2>
<p>Each round's agent on the evaluation seeds, and how far its M's dream can be trusted:
controllers from the search and random ones, each played real and dreamt from the same
tracks' first frames; the rank correlation of their dream and real means (1: the dream orders
them as the game does) and the mean dream-minus-real gap (above 0: the dream flatters).</p>
{_rounds_table(metadata.round_rows(root))}
<h2>Lineage of the agent</h2>
{_lineage_table(run)}
</body></html>
"""


def main_report(args) -> int:
    """`worldmodels report --root DIR --out DIR [--temperature T]`."""
    page = build_report(os.path.abspath(args.root), args.out, args.temperature)
    print(f"report: {page}")
    return 0

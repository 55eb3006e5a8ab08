"""Pictures of a run: V's reconstructions, the CMA-ES curve and the agent's
returns. Arrays in, images and matplotlib Figures out, so the report, the notebook and
`worldmodels play` share them. Figures are built without pyplot (rendered by Agg when saved),
which leaves a notebook's own matplotlib backend alone."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from PIL import Image, ImageDraw

from worldmodels.games import CAR_RACING_GAME, TAKE_COVER_GAME


@dataclass(frozen=True)
class Reference:
    """A game's scores to compare with: the paper's (mean, std) and a random policy's mean."""
    paper: tuple[float, float]
    random: float
    measure: str  # what a return counts


# Random policies: uniformly random actions, 100 episodes on the Evaluator's seeds, measured
# by `python benchmarks/random_policy.py [--env ID]`: CarRacing-v3 (stock) -31.9, std 5.9,
# 95% CI of the mean -33.0 .. -30.8; DoomTakeCover 203.0, std 82.9, 95% CI 187.4 .. 218.5.
REFERENCES = {
    CAR_RACING_GAME.env_id: Reference((906.0, 21.0), -31.9, "episode return (CarRacing-v3)"),
    TAKE_COVER_GAME.env_id: Reference((1092.0, 556.0), 203.0, "steps survived (DoomTakeCover)"),
}
FIGURE_SIZE = (800, 450)  # pixels of every plot
CAPTION_HEIGHT = 16  # pixels of the strip under each animation frame


def decode_uint8(vae, z: np.ndarray) -> np.ndarray:
    """V's decoder on z[N, Z] -> uint8 [N, 64, 64, 3]."""
    images = vae.decode(np.asarray(z, np.float32))["images"].numpy()
    return np.clip(np.rint(images * 255.0), 0, 255).astype(np.uint8)


def reconstruct(vae, frames: np.ndarray) -> np.ndarray:
    """V's reconstruction (decoded posterior mean) of uint8 [N, 64, 64, 3] observations."""
    mu = vae.encode(frames.astype(np.float32) / 255.0)["mu"]
    return decode_uint8(vae, mu.numpy())


MATTER_THRESHOLD = 0.1  # a pixel matters where a channel is this far (of 1) from the median


def matter_mask(frames: np.ndarray) -> np.ndarray:
    """bool [T, 64, 64]: the pixels of an episode's uint8 frames [T, 64, 64, 3] that differ
    from the episode's median frame by more than MATTER_THRESHOLD in some channel: what moves
    against the background (DoomTakeCover's fireballs and monsters), what V must draw."""
    x = frames.astype(np.float32) / 255.0
    return (np.abs(x - np.median(x, axis=0)) > MATTER_THRESHOLD).any(axis=-1)


def mid_motion_frames(episodes: list[np.ndarray], count: int) -> np.ndarray:
    """uint8 [<= count, 64, 64, 3]: from each episode in turn, the frame whose pixels that
    matter number closest to half its episode's most: a fireball mid-way, big enough to see,
    not yet filling the screen."""
    picked = []
    for frames in episodes[:count]:
        moving = matter_mask(frames).reshape(len(frames), -1).sum(axis=1)
        picked.append(frames[int(np.argmin(np.abs(moving - moving.max() / 2)))])
    return np.stack(picked)


def upscale(frames: np.ndarray, factor: int) -> np.ndarray:
    """Nearest-neighbour enlargement of [..., H, W, C] frames."""
    return frames.repeat(factor, axis=-3).repeat(factor, axis=-2)


def caption(frame: np.ndarray, text: str, color: str = "white") -> np.ndarray:
    """The frame with a text strip under it. A step number in the text also keeps GIF writers
    from merging identical consecutive frames, so a GIF has exactly one frame per step."""
    h, w, _ = frame.shape
    image = Image.new("RGB", (w, h + CAPTION_HEIGHT))
    image.paste(Image.fromarray(frame), (0, 0))
    ImageDraw.Draw(image).text((3, h + 2), text, fill=color)
    return np.asarray(image)


def grid(rows: list[np.ndarray], gap: int = 4) -> np.ndarray:
    """Rows of equal-sized uint8 tiles [N, H, W, 3] on white, `gap` pixels around each."""
    n, h, w, _ = rows[0].shape
    out = np.full((len(rows) * (h + gap) + gap, n * (w + gap) + gap, 3), 255, np.uint8)
    for r, tiles in enumerate(rows):
        for i, tile in enumerate(tiles):
            y, x = gap + r * (h + gap), gap + i * (w + gap)
            out[y:y + h, x:x + w] = tile
    return out


def gif_frame(frame: np.ndarray) -> Image.Image:
    """A frame in GIF's palette form (what the GIF writer would make of it, a third of the
    memory of RGB), for recordings too long to keep as RGB."""
    return Image.fromarray(frame).convert("P", palette=Image.Palette.ADAPTIVE)


def write_gif(frames: list, path: str, fps: float) -> None:
    """An endlessly looping GIF of uint8 RGB arrays or gif_frame images."""
    images = [f if isinstance(f, Image.Image) else gif_frame(f) for f in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=1000.0 / fps,
                   loop=0)


def _figure() -> tuple[Figure, object]:
    fig = Figure(figsize=(FIGURE_SIZE[0] / 100, FIGURE_SIZE[1] / 100), dpi=100,
                 layout="constrained")
    return fig, fig.add_subplot()


POPULATION_LABELS = {"real": "population mean (real training tracks)",
                     "dream": "population mean in M's dream (predicted rewards)"}


def _by_environment(history: list[dict]) -> dict[str, list[int]]:
    """Row indices per environment the candidates were scored in (histories from before
    dreams have no such field: real)."""
    out: dict[str, list[int]] = {}
    for i, h in enumerate(history):
        out.setdefault(h.get("environment", "real"), []).append(i)
    return out


def cmaes_figure(history: list[dict]) -> Figure:
    """Per generation: best candidate, population mean with its spread (mean +- std), dreamt
    and real generations apart, and the real evaluations of the distribution mean on fixed
    seeds (eval_mean +- eval_std): in a dream, the gap between the two is M's error."""
    fig, ax = _figure()
    for environment, rows in _by_environment(history).items():
        gen = np.array([history[i]["generation"] for i in rows])
        mean = np.array([history[i]["mean"] for i in rows])
        std = np.array([history[i]["std"] for i in rows])
        line, = ax.plot(gen, mean, label=POPULATION_LABELS[environment] + " ± std")
        ax.fill_between(gen, mean - std, mean + std, alpha=0.25, color=line.get_color())
        ax.plot(gen, [history[i]["best"] for i in rows], linestyle=":",
                label=f"best candidate ({environment})")
    evals = [h for h in history if h["eval_mean"] is not None]
    ax.errorbar([h["generation"] for h in evals], [h["eval_mean"] for h in evals],
                yerr=[h["eval_std"] for h in evals], fmt="o", capsize=4, color="black",
                label="mean parameters on real evaluation seeds (± std)")
    ax.set(xlabel="generation", ylabel="return", title=f"CMA-ES, {len(history)} generations")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="best", fontsize="small")
    return fig


def learning_curve_figure(history: list[dict]) -> Figure:
    """Return against the search's cost: real environment steps (left) and wall time (right),
    both cumulative and counting the evaluations of the mean, so runs with different
    populations, episode counts, early stopping or dreams compare on what they spent."""
    fig = Figure(figsize=(FIGURE_SIZE[0] / 100, FIGURE_SIZE[1] / 100), dpi=100,
                 layout="constrained")
    steps = np.array([h["env_steps"] for h in history], np.float64) / 1e6
    minutes = np.array([h["elapsed_s"] for h in history], np.float64) / 60.0
    evals = [i for i, h in enumerate(history) if h["eval_mean"] is not None]
    for ax, x, label in ((fig.add_subplot(1, 2, 1), steps, "real environment steps (millions)"),
                         (fig.add_subplot(1, 2, 2), minutes, "search wall time (minutes)")):
        for environment, rows in _by_environment(history).items():
            ax.plot(x[rows], [history[i]["mean"] for i in rows],
                    label=POPULATION_LABELS[environment])
        ax.errorbar(x[evals], [history[i]["eval_mean"] for i in evals],
                    yerr=[history[i]["eval_std"] for i in evals], fmt="o-", capsize=3,
                    color="black", label="distribution mean on real evaluation seeds")
        ax.set(xlabel=label, ylabel="return")
    ax.legend(loc="lower right", fontsize="small")
    fig.suptitle("CMA-ES learning curve")
    return fig


def returns_figure(returns: list[float], env_id: str = CAR_RACING_GAME.env_id) -> Figure:
    """The agent's per-episode returns against the paper's score and a random policy."""
    fig, ax = _figure()
    reference = REFERENCES[env_id]
    (paper, paper_std), random = reference.paper, reference.random
    lo = min(min(returns), random, paper - paper_std) - 50
    hi = max(max(returns), paper + paper_std) + 50
    ax.axvspan(paper - paper_std, paper + paper_std, color="tab:green", alpha=0.25,
               label=f"paper {paper:.0f} ± {paper_std:.0f}")
    ax.axvline(paper, color="tab:green")
    ax.axvline(random, color="tab:red", linestyle="--", label=f"random policy {random:.1f}")
    ax.hist(returns, bins=np.linspace(lo, hi, 41), color="tab:blue",
            label=f"this agent: {np.mean(returns):.1f} ± {np.std(returns):.1f} "
                  f"({len(returns)} episodes)")
    ax.set(xlabel=reference.measure, ylabel="episodes", xlim=(lo, hi),
           title="Evaluator returns")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper center", fontsize="small")
    return fig

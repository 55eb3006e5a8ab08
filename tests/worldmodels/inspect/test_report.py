"""build_report on a tiny run: the page parses, every image exists, decodes and has its
designed size, the two GIFs have one frame per episode step, and the numbers on the page are
the artifacts' own."""
from __future__ import annotations

import json
import os
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from worldmodels import layout
from worldmodels.data import rlds
from worldmodels.engine import dream
from worldmodels.export import serving
from worldmodels.inspect import metadata, report, visuals

pytestmark = pytest.mark.slow

VOID = {"meta", "img", "br", "hr", "link", "input"}


class Page(HTMLParser):
    """Collects image sources, the summary's numbers and any unbalanced tag."""

    def __init__(self):
        super().__init__()
        self.images, self.numbers, self.text = [], {}, {}
        self.stack, self.errors = [], []
        self._key = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if "data-key" in attrs:
            self._key = attrs["data-key"]
            self.numbers[self._key] = attrs["data-value"]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)

    def handle_data(self, data):
        if self._key:
            self.text[self._key] = data
            self._key = None


@pytest.fixture(scope="module")
def built(tiny_run, tmp_path_factory):
    out = str(tmp_path_factory.mktemp("report"))
    page = report.build_report(tiny_run, out, temperature=1.0)
    parser = Page()
    with open(page) as f:
        html = f.read()
    parser.feed(html)
    parser.close()
    return out, page, html, parser


def test_page_parses_and_every_image_decodes(built):
    out, page, html, parser = built
    assert page == os.path.join(out, "index.html")
    assert parser.errors == [] and parser.stack == []
    assert "http://" not in html and "https://" not in html
    assert sorted(parser.images) == ["cmaes.png", "dream.gif", "learning_curve.png", "moving.png",
                                     "real.gif", "reconstructions.png", "returns.png"]
    for src in parser.images:
        with Image.open(os.path.join(out, src)) as image:  # relative to the page
            image.load()


def test_images_have_their_designed_sizes(built):
    out = built[0]
    tile, gap = 64 * report.SCALE, 4
    grid = (report.RECONSTRUCTIONS * (tile + gap) + gap, 2 * (tile + gap) + gap)
    pair = 2 * (tile + gap) + gap  # tiny has 2 eval episodes: a moving frame of each
    sizes = {"reconstructions.png": grid, "moving.png": (pair, pair),
             "cmaes.png": visuals.FIGURE_SIZE, "returns.png": visuals.FIGURE_SIZE,
             "learning_curve.png": visuals.FIGURE_SIZE,
             "real.gif": (tile, tile + visuals.CAPTION_HEIGHT),
             "dream.gif": (tile, tile + visuals.CAPTION_HEIGHT)}
    for name, size in sizes.items():
        with Image.open(os.path.join(out, name)) as image:
            assert image.size == size, name
    assert sizes["reconstructions.png"] == (1060, 268)


def test_real_and_dream_gifs_have_one_frame_per_observation(built, tiny_run):
    run = report.find_run(tiny_run)
    episode = rlds.read_episode_arrays(run.uri("RolloutGen"), "eval", limit=1)[0]
    frames = len(episode["steps"]["observation"])  # T steps + the final observation
    assert frames == 81  # tiny: env.max_steps = 80
    for name in ("real.gif", "dream.gif"):
        with Image.open(os.path.join(built[0], name)) as image:
            assert image.n_frames == frames, name
    assert f"{frames} frames" in built[2]


def test_numbers_on_the_page_are_the_artifacts(built, tiny_run):
    """Exactly the artifacts' files; ML Metadata's properties to its 6 stored decimals."""
    numbers, text = built[3].numbers, built[3].text
    page = {k: float(v) for k, v in numbers.items()}
    store = metadata.open_store(tiny_run)

    def newest(component: str) -> dict:
        runs = metadata.finished_executions(store, f"components.{component}")
        return metadata.output_artifacts(store, runs[-1].id)

    def prop(artifact, name):
        return metadata.value(artifact.custom_properties, name)

    evaluation = newest("evaluator.Evaluator")["evaluation"]
    with open(os.path.join(evaluation.uri, "evaluation.json")) as f:
        result = json.load(f)
    controller = newest("controller_search.ControllerSearch")["model"]
    with open(os.path.join(controller.uri, "history.json")) as f:
        history = json.load(f)
    assert page == {
        "mean_return": result["mean"], "std_return": result["std"],
        "iqm_return": result["iqm"], "iqm_ci_low": result["iqm_ci_low"],
        "iqm_ci_high": result["iqm_ci_high"], "median_return": result["median"],
        "episodes": len(result["returns"]), "threshold": result["threshold"],
        "eval_reconstruction_loss": prop(newest("vae_trainer.VAETrainer")["model"],
                                         "eval_reconstruction_loss"),
        "eval_nll": prop(newest("rnn_trainer.RNNTrainer")["model"], "eval_nll"),
        "generations": len(history),
        "best_eval_mean": max(h["eval_mean"] for h in history if h["eval_mean"] is not None),
        "search_env_steps": history[-1]["env_steps"],
        "search_dream_steps": 0,  # the tiny preset searches in the real environment
        "search_minutes": history[-1]["elapsed_s"] / 60.0,
    }
    metadata_values = {"mean_return": prop(evaluation, "mean_return"),
                       "std_return": prop(evaluation, "std_return"),
                       "iqm_return": prop(evaluation, "iqm_return"),
                       "iqm_ci_low": prop(evaluation, "iqm_ci_low_return"),
                       "iqm_ci_high": prop(evaluation, "iqm_ci_high_return"),
                       "episodes": prop(evaluation, "episodes"),
                       "generations": prop(controller, "generations"),
                       "best_eval_mean": prop(controller, "best_eval_mean")}
    for key, value in metadata_values.items():
        assert page[key] == pytest.approx(value, abs=1e-6), key
    assert text["mean_return"] == f"{result['mean']:.2f}"
    assert text["std_return"] == f"{result['std']:.2f}"
    assert text["generations"] == "3"


def test_dream_starts_from_the_real_frames_and_is_seeded(tiny_run):
    run = report.find_run(tiny_run)
    vae = serving.load(os.path.join(run.uri("VAETrainer"), layout.SERVING_DIR))
    rnn = serving.load(os.path.join(run.uri("RNNTrainer"), layout.SERVING_DIR))
    steps = rlds.read_episode_arrays(run.uri("RolloutGen"), "eval", limit=1)[0]["steps"]
    frames, actions = steps["observation"][:20], steps["action"]
    mu = vae.encode(frames[:5].astype(np.float32) / 255.0)["mu"].numpy()
    imagine = lambda temperature, seed: dream.imagine(rnn, mu, actions, 20, temperature, seed)
    z = imagine(1.0, 0)
    assert z.shape == (20, 32) and z.dtype == np.float32
    np.testing.assert_array_equal(z[:5], mu)
    np.testing.assert_array_equal(z, imagine(1.0, 0))
    assert not np.array_equal(z[5:], imagine(1.0, 1)[5:])
    assert visuals.decode_uint8(vae, z).shape == frames.shape


def test_temperature_must_be_positive(tiny_run, tmp_path):
    with pytest.raises(ValueError, match="--temperature 0"):
        report.build_report(tiny_run, str(tmp_path), temperature=0)

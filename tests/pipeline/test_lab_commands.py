"""`worldmodels lab` on finished tiny runs. The search laboratory: every setting under every
CMA-ES seed runs to the budget on real CarRacing episodes, the table, the curves and the
held-out scores of each run's picks come out, and a rerun resumes with nothing left to do.
The temperature table: a dream-only search per temperature from a doom_tiny run's V and M,
each controller scored in dreams and in the real game. V's laboratory: each setting and seed
measured at each mark, strips drawn, nothing measured twice."""
from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.pipeline.runs import cli
from worldmodels.inspect import metadata

pytestmark = pytest.mark.slow


def lab(*args) -> subprocess.CompletedProcess:
    return cli("lab", "search", *args)


def test_the_laboratory_runs_each_setting_and_seed_to_the_budget_and_resumes(tiny_root,
                                                                              tmp_path):
    root, _ = tiny_root
    work = str(tmp_path / "lab")
    args = ["--root", root, "--preset", "tiny", "--setting", "no_decay+mirrored", "--setting",
            "wide=controller.sigma0=0.3,controller.mirrored=true", "--cma-seeds", "0", "1",
            "--budget", "320", "--watch-every", "320", "--watch-tracks", "2", "--held-out", "3",
            "--work", work]
    first = lab(*args)
    assert first.returncode == 0, first.stderr[-3000:]
    with open(os.path.join(work, "results.json")) as f:
        results = json.load(f)
    assert [r["run"] for r in results] == ["no_decay+mirrored-seed0", "no_decay+mirrored-seed1",
                                           "wide-seed0", "wide-seed1"]
    for r in results:
        # 4 candidates x 1 track x 80 steps (tiny: no cutoff) is one generation's 320 steps
        assert (r["steps"], r["generations"], r["watch_steps"]) == (320, 1, 160)
        assert len(r["watches"]) == 1 and r["watches"][0]["steps"] == 320
    assert results[2]["controller"]["mirrored"] and results[2]["controller"]["sigma0"] == 0.3
    joined = results[0]["controller"]  # both levers' changes
    assert joined["mirrored"] and joined["weight_decay"] == 0 and joined["sigma0"] == 0.1
    rows = [line.split() for line in first.stdout.splitlines()
            if line.split()[:1] == ["no_decay+mirrored"]]
    assert len(rows) == 1 and rows[0][2] == "/"  # seed 0's and seed 1's watched means
    assert os.path.getsize(os.path.join(work, "curves.png")) > 0
    with open(os.path.join(work, "held_out.json")) as f:
        held_out = json.load(f)
    # one watch per run: its best and its last are the same mean, played once
    assert sorted(held_out) == [f"{r['run']} gen1" for r in results]
    assert any(line.split()[:3] == ["no_decay+mirrored-seed0", "best", "watched"]
               and "held out" in line for line in first.stdout.splitlines())

    again = lab(*args)
    assert again.returncode == 0, again.stderr[-3000:]
    assert " min] " not in again.stdout  # no generation played: nothing left to run
    with open(os.path.join(work, "results.json")) as f:
        assert json.load(f) == results
    with open(os.path.join(work, "held_out.json")) as f:
        assert json.load(f) == held_out


def test_a_bad_setting_is_named_in_one_line(tiny_root, tmp_path):
    root, _ = tiny_root
    result = lab("--root", root, "--preset", "tiny", "--setting", "odd=controller.mirrored=true,"
                 "controller.population=5", "--work", str(tmp_path))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == ("worldmodels: error: controller.population: "
                                                      "mirrored sampling needs an even population, "
                                                      "got 5")


def test_a_setting_branches_off_another_runs_snapshot(tiny_root, tmp_path):
    root, _ = tiny_root
    work = str(tmp_path / "lab")
    common = ["--root", root, "--preset", "tiny", "--cma-seeds", "0", "--watch-every", "320",
              "--watch-tracks", "2", "--work", work]
    assert lab(*common, "--setting", "base", "--budget", "640").returncode == 0
    branched = lab(*common, "--setting", "base", "--setting",
                   "ramp=controller.episodes_per_candidate=2", "--from", "base@320",
                   "--budget", "1600")
    assert branched.returncode == 0, branched.stderr[-3000:]
    assert "ramp-seed0 branched off base-seed0@320" in branched.stdout
    with open(os.path.join(work, "results.json")) as f:
        base, ramp = json.load(f)
    assert (base["parent"], base["steps"], base["generations"]) == (None, 1600, 5)
    # generation 1 on: 4 candidates x 2 tracks x 80 steps
    assert (ramp["parent"], ramp["steps"], ramp["generations"]) == ("base-seed0@320", 1600, 3)
    assert ramp["watches"][0] == base["watches"][0]
    bad = lab(*common, "--setting", "wide=controller.sigma0=0.3", "--from", "base@320")
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines()[-1] == (
        "worldmodels: error: setting 'wide' changes sigma0: set when the CMA-ES starts, so it "
        "cannot branch off base-seed0")


def test_the_temperature_table_searches_and_scores_each_temperature(doom_tiny_root, tmp_path):
    root = doom_tiny_root[0]
    work = str(tmp_path / "temperatures")
    args = ["--root", root, "--preset", "doom_tiny", "--temperatures", "0.5", "1.15",
            "--episodes", "2", "--dream-episodes", "3", "--work", work]
    first = cli("lab", "temperatures", *args)
    assert first.returncode == 0, first.stderr[-3000:]
    with open(os.path.join(work, "results.json")) as f:
        results = json.load(f)
    assert sorted(results) == ["0.5", "1.15"]
    for row in results.values():
        assert row["generations"] == 3 and len(row["dream"]) == 3 and len(row["real"]) == 2
        assert min(row["real"]) > 0 and row["real_steps"] > 0
    rows = [line.split() for line in first.stdout.splitlines() if line.split()[:1] in
            (["0.50"], ["1.15"])]
    assert [r[0] for r in rows] == ["0.50", "1.15"]
    assert rows[1][-4:-1] == ["918", "/", "1092"]  # the paper's dream / real beside ours
    assert results["1.15"]["inputs"] == metadata.newest_inputs(root)
    again = cli("lab", "temperatures", *args, "--round", "1")  # round 1's search's V and M
    assert again.returncode == 0, again.stderr[-3000:]
    with open(os.path.join(work, "results.json")) as f:
        assert json.load(f) == results  # measured once
    missing = cli("lab", "temperatures", *args, "--round", "2")
    assert missing.stderr.strip().splitlines()[-1] == (
        f"worldmodels: error: --round 2: {root} has no finished ControllerSearch_round2 in ML "
        "Metadata")
    reseeded = cli("lab", "temperatures", "--root", root, "--preset", "doom_tiny", "--seed", "1",
                   "--temperatures", "1.15", "--episodes", "2", "--dream-episodes", "3",
                   "--work", work)
    assert reseeded.returncode == 0, reseeded.stderr[-3000:]
    with open(os.path.join(work, "results.json")) as f:
        again = json.load(f)
    assert (again["1.15"]["seed"], again["0.5"]) == (1, results["0.5"])  # another search
    bad = cli("lab", "temperatures", "--root", root, "--preset", "tiny", "--work", work)
    assert bad.stderr.strip().splitlines()[-1] == (
        "worldmodels: error: --preset tiny: the table searches in M's dream; "
        "controller.environment is 'real'")


def test_the_v_laboratory_measures_each_setting_and_seed_at_each_mark(tiny_root, tmp_path):
    root, _ = tiny_root
    work = str(tmp_path / "vae_lab")
    args = ["--root", root, "--preset", "tiny", "--setting", "base", "--setting", "lr1e-3",
            "--seeds", "0", "1", "--batches", "4", "--mark-every", "2", "--work", work]
    first = cli("lab", "vae", *args)
    assert first.returncode == 0, first.stderr[-3000:]
    with open(os.path.join(work, "results.json")) as f:
        results = json.load(f)
    assert [r["run"] for r in results] == ["base-seed0", "base-seed1", "lr1e-3-seed0",
                                           "lr1e-3-seed1"]
    for r in results:
        assert [(m["batches"], m["images"]) for m in r["marks"]] == [(2, 64), (4, 128)]
        assert all(m["eval_reconstruction"] > 0 and m["matter_error"] >= 0 for m in r["marks"])
        assert os.path.getsize(os.path.join(work, "strips", f"{r['run']}.png")) > 0
    assert results[2]["vae"]["learning_rate"] == 1e-3
    rows = [line.split() for line in first.stdout.splitlines() if line.split()[:1] == ["lr1e-3"]]
    assert len(rows) == 1 and rows[0].count("min") == 2  # both marks, seeds averaged
    again = cli("lab", "vae", *args)
    assert again.returncode == 0, again.stderr[-3000:]
    assert " min] " not in again.stdout  # every mark was measured: nothing trained
    with open(os.path.join(work, "results.json")) as f:
        assert json.load(f) == results
    bad = cli("lab", "vae", "--rollouts", root, "--preset", "tiny")
    assert bad.stderr.strip().splitlines()[-1] == (
        "worldmodels: error: --work: needed with --rollouts (nothing is written into an "
        "artifact)")

"""The three places that install the project agree: setup.py, constraints.txt, Dockerfile,
and the README's commands are what CI runs. (No Docker engine runs here to build the image.)"""
from __future__ import annotations

import ast
import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(name: str) -> str:
    with open(os.path.join(REPO, name)) as f:
        return f.read()


def pins() -> dict:
    out = {}
    for line in read("constraints.txt").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            out[name.lower().replace("_", "-")] = version
    return out


def test_every_declared_dependency_is_pinned():
    tree = ast.parse(read("setup.py"))
    call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "setup")
    requires = ast.literal_eval(next(k.value for k in call.keywords if k.arg == "install_requires"))
    assert len(requires) >= 10
    for requirement in requires:
        name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0)
        assert name.lower().replace("_", "-") in pins(), name


def test_pinned_stack_is_the_one_the_issue_names():
    p = pins()
    assert p["tfx"] == "1.16.0"
    assert p["tensorflow"].startswith("2.16.")
    assert p["ml-metadata"].startswith("1.16.")
    for name in ("apache-beam", "dill", "tensorflow-datasets", "gymnasium", "box2d", "cma",
                 "pytest", "kfp-pipeline-spec"):
        assert name in p, name


def test_dockerfile_installs_the_pinned_set_and_runs_the_tiny_pipeline():
    docker = read("Dockerfile")
    assert re.search(r"^ARG BASE=python:3\.10-slim$", docker, re.M)  # what users get
    assert re.search(r"^FROM \$\{BASE\}$", docker, re.M)
    assert "-c constraints.txt" in docker
    for package in ("worldmodels", "components", "pipeline"):
        assert f"COPY {package} ./{package}" in docker
    assert 'CMD ["worldmodels", "run", "--preset", "tiny"' in docker
    version = re.search(r'version="([^"]+)"', read("setup.py")).group(1)
    from pipeline.kubeflow_runner import DEFAULT_IMAGE
    assert DEFAULT_IMAGE == f"worldmodels:{version}"


def test_ci_runs_exactly_the_readme_test_command():
    readme = read("README.md")
    test_command = "bash scripts/setup.sh && .venv/bin/python -m pytest -q"
    assert test_command in readme
    assert read(".ci/run").strip().splitlines()[-1] == test_command

"""A component's code fingerprint, part of its cache key: the project modules it can run and
the versions of the packages it runs on.

TFX's cache keys on inputs and parameters, not code; a changed training loop with unchanged
settings would be served a stale artifact. The fingerprint hashes the syntax trees (not the
bytes: comments and layout do not count) of every project module in the component module's
import closure, found statically from its import statements (function-level ones included),
so a change in V's training invalidates VAETrainer and what consumes its model, and not
RolloutGen. Tests, benchmarks and the README are not in any closure. The same import graph
(`imports`) is what tests/test_layers.py checks the layering on.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import importlib.util
import os

PROJECT_PACKAGES = ("worldmodels", "components", "pipeline")
# Distributions whose code decides what a stage computes (the project's requirements, plus
# the ones TensorFlow and gymnasium bring that do the arithmetic and the physics).
DISTRIBUTIONS = ("tensorflow", "keras", "tensorflow-datasets", "gymnasium", "box2d", "cma",
                 "numpy", "apache-beam", "tfx", "ml-metadata")


@functools.lru_cache(maxsize=None)
def fingerprint(module: str) -> str:
    """Hex digest of `module`'s project import closure and the DISTRIBUTIONS' versions."""
    digest = hashlib.sha256()
    for name in sorted(import_closure(module)):
        digest.update(f"{name}\n{_tree(_path(name))}\n".encode())
    for dist in DISTRIBUTIONS:
        digest.update(f"{dist}=={_version(dist)}\n".encode())
    return digest.hexdigest()[:16]


def import_closure(module: str) -> set[str]:
    """Project modules `module` imports, directly or not (packages' __init__ included)."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [m for m in imports(name) if m not in seen]
    return seen


def imports(name: str) -> set[str]:
    """The project modules `name` imports itself, anywhere in its code (the packages on the
    way included: importing `a.b.c` runs `a/__init__` and `a/b/__init__`)."""
    path = _path(name)
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                    if node.level else node.module)
            candidates = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for candidate in candidates:
            parts = candidate.split(".")
            if parts[0] not in PROJECT_PACKAGES:
                continue
            for i in range(1, len(parts) + 1):  # the packages on the way run their __init__
                if _path(".".join(parts[:i])):
                    found.add(".".join(parts[:i]))
    return found


@functools.lru_cache(maxsize=None)
def _path(name: str) -> str | None:
    """The source file of a project module, found on disk without importing anything; None
    for a name that is not a module (`from package import attribute`)."""
    top, *rest = name.split(".")
    spec = importlib.util.find_spec(top)  # a top-level package: finding it imports nothing
    base = os.path.join(os.path.dirname(spec.origin), *rest)
    for path in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(path):
            return path
    return None


def _tree(path: str) -> str:
    with open(path) as f:
        return ast.dump(ast.parse(f.read(), path))


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"

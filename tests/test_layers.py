"""The layering: every import of a project module points down the layer order (or stays in
its layer), no module cycle and no package cycle, TensorFlow kept out of worldmodels' top
level and TFX out of worldmodels. The import graph is the one code fingerprints are built
from (components.fingerprint.imports), read from the source without importing it."""
from __future__ import annotations

import ast
import os

import pytest

from components import fingerprint

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Lowest first. `base` is the top level of worldmodels (config, games, frames, seeds, layout,
# progress, root_lock, scores): every layer may use it, and it uses nothing else.
LAYERS = ("base", "env", "models", "data", "training", "export", "runtime", "engine", "stages",
          "components", "pipeline", "inspect", "lab", "cli")
RANK = {name: i for i, name in enumerate(LAYERS)}


def layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] == "worldmodels":
        if len(parts) == 1 or os.path.isfile(os.path.join(REPO, *parts[:2]) + ".py"):
            return "base"
        return parts[1]
    if module == "pipeline.cli":
        return "cli"
    return parts[0]


def project_modules() -> list[str]:
    found = []
    for package in fingerprint.PROJECT_PACKAGES:
        for folder, _, files in os.walk(os.path.join(REPO, package)):
            rel = os.path.relpath(folder, REPO).split(os.sep)
            found += [".".join(rel) if f == "__init__.py" else ".".join(rel + [f[:-3]])
                      for f in files if f.endswith(".py")]
    return sorted(found)


def graph() -> dict[str, set[str]]:
    return {m: fingerprint.imports(m) - {m} for m in project_modules()}


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    """'a -> b (layer x -> layer y)' for each import of a higher layer."""
    return [f"{a} -> {b} ({layer(a)} -> {layer(b)})" for a, targets in sorted(edges.items())
            for b in sorted(targets) if RANK[layer(b)] > RANK[layer(a)]]


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One cycle of the graph as a path, or []."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, path: list[str]) -> list[str]:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [node, nxt] if nxt in path else path + [node, nxt]
            if nxt not in state:
                found = visit(nxt, path + [node])
                if found:
                    return found
        state[node] = 2
        return []

    for node in sorted(edges):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return []


def package_graph(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """Top-level packages (worldmodels, components, pipeline) and who imports whom."""
    out: dict[str, set[str]] = {}
    for a, targets in edges.items():
        out.setdefault(a.split(".")[0], set()).update(
            b.split(".")[0] for b in targets if b.split(".")[0] != a.split(".")[0])
    return out


def imported_packages(module: str) -> set[str]:
    """Top-level names of every package `module` imports, anywhere in its code."""
    path = os.path.join(REPO, *module.split("."))
    path = path + ".py" if os.path.isfile(path + ".py") else os.path.join(path, "__init__.py")
    names = set()
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_module_has_a_layer():
    unknown = [m for m in project_modules() if layer(m) not in RANK]
    assert not unknown, f"modules outside the layer order {LAYERS}: {unknown}"


def test_imports_point_down_the_layers():
    assert upward_imports(graph()) == []


def test_no_module_cycle_and_no_package_cycle():
    edges = graph()
    assert cycle(edges) == []
    assert cycle(package_graph(edges)) == []


def test_the_top_of_worldmodels_imports_no_tensorflow_and_worldmodels_no_tfx():
    modules = project_modules()
    assert not [m for m in modules if layer(m) == "base" and "tensorflow" in imported_packages(m)]
    assert not [m for m in modules if m.startswith("worldmodels") and "tfx" in imported_packages(m)]


@pytest.mark.parametrize("edge, expected", [
    (("worldmodels.env.explore", "worldmodels.engine.episodes"), ["env -> engine"]),
    (("worldmodels.config", "worldmodels.data.rlds"), ["base -> data"]),
    (("worldmodels.stages.evaluator", "pipeline.cli"), ["stages -> cli"]),
    (("worldmodels.engine.dream", "worldmodels.engine.scorers"), []),  # within a layer
])
def test_an_upward_import_is_reported(edge, expected):
    a, b = edge
    edges = {a: {b}}
    assert [v.split("(")[1].rstrip(")") for v in upward_imports(edges)] == expected


def test_a_cycle_is_reported():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle(package_graph({"worldmodels.x": {"pipeline.cli"},
                                "pipeline.cli": {"worldmodels.y"}})) != []


def test_stages_hold_exactly_one_module_per_component():
    from worldmodels.inspect.metadata import STAGES

    folder = os.path.join(REPO, "worldmodels", "stages")
    modules = {f[:-3] for f in os.listdir(folder) if f.endswith(".py") and f != "__init__.py"}
    assert modules == {stage.split(".")[0] for stage in STAGES}

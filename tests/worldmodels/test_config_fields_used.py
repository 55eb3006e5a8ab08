"""No dead settings: every config field is read by the code a stage runs, or it is gone.

How: an AST walk over the library (worldmodels/ less config.py, components/, pipeline/) that
collects each read of a field *on its section*: `x.vae.batch_size`, or `c.batch_size` where `c`
is a parameter annotated with the section's class or a name assigned from `x.vae`; the top
level's `seed` and `preset` on a name annotated `Config` or assigned from `Config.from_json`
or `.config(...)`. A section method in config.py (e.g. `episodes_at`) reads the fields it uses
when the library calls it. Reading by section, not by bare name, matters: `.steps` and
`.workers` are common attribute names that would prove nothing. config.py's functions the
library calls (for_round) read what they read. A read is what the test can
check without running hours of pipeline; that a read field changes its stage's artifact is
then guaranteed by the cache key, which holds every field of the stage's sections (checked
below: every section is some component's). Validation in __post_init__ is not a read.
"""
from __future__ import annotations

import ast
import dataclasses
import pathlib

from worldmodels import config as configlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
SECTION_CLASSES = {cls.__name__: name for name, cls in configlib._SECTIONS.items()}


def _library_files() -> list[pathlib.Path]:
    files = [p for d in ("worldmodels", "components", "pipeline") for p in (ROOT / d).rglob("*.py")]
    return [p for p in files if p != ROOT / "worldmodels" / "config.py"]


def _annotation(arg: ast.arg) -> str | None:
    node = arg.annotation
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return ast.unparse(node) if node is not None else None


def _bound_names(func: ast.AST) -> dict[str, str]:
    """Names in `func` that hold a section (its name) or the whole config ('config')."""
    bound: dict[str, str] = {}
    if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for arg in func.args.args + func.args.kwonlyargs:
            kind = _annotation(arg)
            if kind in SECTION_CLASSES:
                bound[arg.arg] = SECTION_CLASSES[kind]
            elif kind in ("Config", "configlib.Config"):
                bound[arg.arg] = "config"
    for node in ast.walk(func):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            value, name = node.value, node.targets[0].id
            if isinstance(value, ast.Attribute) and value.attr in configlib._SECTIONS:
                bound[name] = value.attr
            elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                    and value.func.attr in ("from_json", "config", "with_overrides", "preset"):
                bound[name] = "config"
    return bound


def _reads(tree: ast.AST) -> set[tuple[str, str]]:
    found = set()
    scopes = [tree] + [n for n in ast.walk(tree)
                       if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    for scope in scopes:
        bound = _bound_names(scope)
        for node in ast.walk(scope):
            if not isinstance(node, ast.Attribute):
                continue
            owner = node.value
            if isinstance(owner, ast.Attribute) and owner.attr in configlib._SECTIONS:
                found.add((owner.attr, node.attr))
            elif isinstance(owner, ast.Name) and owner.id in bound:
                found.add((bound[owner.id], node.attr))
    return found


def _method_reads(called: set[str]) -> set[tuple[str, str]]:
    """Fields read by config.py's section methods that the library calls."""
    tree = ast.parse((ROOT / "worldmodels" / "config.py").read_text())
    found = set()
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name in SECTION_CLASSES):
        for method in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
            if method.name in called:
                found |= {(SECTION_CLASSES[cls.name], n.attr) for n in ast.walk(method)
                          if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                          and n.value.id == "self"}
    return found


def _library_reads() -> set[tuple[str, str]]:
    reads, called = set(), set()
    for path in _library_files():
        tree = ast.parse(path.read_text())
        reads |= _reads(tree)
        called |= {n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id
                   for n in ast.walk(tree) if isinstance(n, ast.Call)
                   and isinstance(n.func, (ast.Attribute, ast.Name))}
    return reads | _method_reads(called) | _function_reads(called)


def _function_reads(called: set[str]) -> set[tuple[str, str]]:
    """Fields read by config.py's functions that the library calls (e.g. for_round)."""
    tree = ast.parse((ROOT / "worldmodels" / "config.py").read_text())
    return {read for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in called
            for read in _reads(n)}


def test_every_config_field_is_read_by_the_library():
    fields = {(name, f.name) for name, cls in configlib._SECTIONS.items()
              for f in dataclasses.fields(cls)}
    fields |= {("config", "seed"), ("config", "preset")}
    assert sorted(fields - _library_reads()) == []


def test_every_section_is_in_some_components_cache_key():
    """A stage's parameters hold its sections' JSON (components/base.py): a section no
    component lists could change nothing cached, or change behaviour behind the cache."""
    listed = set()
    for path in (ROOT / "components").glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "SECTIONS":
                listed |= set(ast.literal_eval(node.value))
    assert listed == set(configlib._SECTIONS)


def test_a_stage_reads_only_the_sections_in_its_components_cache_key():
    """A field a stage reads but its component's parameters leave out would change the
    stage's output behind TFX's cache, which would serve the old one."""
    for path in (ROOT / "components").glob("*.py"):
        tree = ast.parse(path.read_text())
        sections = [ast.literal_eval(n.value) for n in tree.body if isinstance(n, ast.Assign)
                    and getattr(n.targets[0], "id", "") == "SECTIONS"]
        stages = [a.name for n in tree.body if isinstance(n, ast.ImportFrom)
                  and n.module == "worldmodels.stages" for a in n.names]
        for stage in stages:
            stage_tree = ast.parse((ROOT / "worldmodels" / "stages" / f"{stage}.py").read_text())
            read = {section for section, _ in _reads(stage_tree)} - {"config"}
            assert read <= set(sections[0]), (path.name, stage, read - set(sections[0]))

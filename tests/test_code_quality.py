"""The code stays as clean as it is: ruff's rules and format, mypy's strict mode on the engine, and its house in order.

The tools and their versions come from the lock (constraints.txt), and their
settings from pyproject.toml, so this test fails on a change to the code,
never on a release upstream.

The engine's imports, read from its source (every `import` and `from`, at
module level, inside functions and under `TYPE_CHECKING`), form no cycle and
never run back up the stages. The stages, from the ground up (`STAGES`):

1. foundations: frozen records, the error tree, the files a run reads,
   graphs, quotes, signals, the garbage collector paused for set-up, worker
   processes, writing a user's files;
2. the rule language, and the checks of the library's arguments;
3. the model (the rule base and scenarios as plain data) and the scenario space;
4. matching: negation strata, the compiled program and the matchers, a pure
   function of the model;
5. load: reading and checking files into the model; it validates with the
   strata and caches the compiled program, so it stands on matching;
6. resolve: from firings to the verdict, stances and probabilities;
7. the library's front door (`pipeline`, `bulk`) and `migrate`;
8. explore: pure functions over an `Engine`;
9. render: every output format, including explore's results;
10. consistency: the search, which runs the engine and renders its report;
11. the public API and its front doors for checks and tests (`engine`,
    `checking`, `testing`);
12. the command line and its entry point (`cli`, `console`, `__main__`).

A module may import its own stage and any stage below it.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["engine", "tests", "benchmarks"]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)


LINTED = os.environ.get("FORECAST_LINTED") == "1"
"""Set by .ci/run for every Python after the first: ruff and mypy read the same source whatever runs them, once a CI run is enough."""


@pytest.mark.skipif(LINTED, reason="ruff and mypy already ran in this CI run, on its first Python")
@pytest.mark.parametrize(
    "command",
    [("ruff", "check", *SOURCES), ("ruff", "format", "--check", *SOURCES), ("mypy",)],
    ids=["ruff-check", "ruff-format", "mypy-engine"],
)
def test_tool_finds_nothing(command: tuple[str, ...]) -> None:
    result = run(*command)
    assert result.returncode == 0, result.stdout + result.stderr


MODULE_LINES = 420
"""About 400 lines a module at most: past it, a module holds more than one concern and is split by concern."""


def test_no_engine_module_is_over_about_400_lines() -> None:
    lengths = {path.relative_to(ROOT).as_posix(): len(path.read_text().splitlines()) for path in (ROOT / "engine").rglob("*.py")}
    assert lengths, "no engine modules found"
    assert {name: count for name, count in lengths.items() if count > MODULE_LINES} == {}


STAGES: tuple[tuple[str, ...], ...] = (
    (
        "engine.records",
        "engine.errors",
        "engine.inputs",
        "engine.graphs",
        "engine.quotes",
        "engine.signals",
        "engine.memory",
        "engine.parallel",
        "engine.writing",
    ),
    ("engine.language", "engine.arguments"),
    ("engine.model", "engine.space"),
    ("engine.matching",),
    ("engine.load",),
    ("engine.resolve",),
    ("engine.pipeline", "engine.bulk", "engine.migrate"),
    ("engine.explore",),
    ("engine.render",),
    ("engine.consistency",),
    ("engine", "engine.checking", "engine.testing"),
    ("engine.cli", "engine.console", "engine.__main__"),
)
"""The engine's stages from the ground up, each a set of modules and packages (the module docstring says why this order)."""


def engine_modules() -> dict[str, Path]:
    """Every module of the engine by its dotted name (a package by its own name)."""
    modules = {}
    for path in sorted((ROOT / "engine").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The engine modules that module `name` imports anywhere in its source: `from engine import x` names module `engine.x`."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = engine_modules()
    return {name: imported(name, path, modules) for name, path in modules.items()}


def stage(name: str) -> int:
    """The stage of a module: that of the longest name in `STAGES` that is it or a package holding it."""
    owners = [
        (len(owner), number) for number, owners in enumerate(STAGES) for owner in owners if name == owner or name.startswith(owner + ".")
    ]
    assert owners, f"{name} has no stage: add it to STAGES"
    return max(owners)[1]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_is_read_from_the_source() -> None:
    """The reader sees imports at module level, inside functions and under TYPE_CHECKING, absolute and relative."""
    graph = import_graph()
    assert "engine.matching.strata" in graph["engine.matching.compile"]  # inside a function
    assert "engine.bulk" in graph["engine.pipeline"]  # under TYPE_CHECKING and inside functions
    assert "engine.inputs" in graph["engine.writing"]  # `from engine import inputs`
    assert "engine.cli" in graph["engine.console"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_engine_imports_form_no_cycle() -> None:
    assert cycles(import_graph()) == []


def test_no_module_imports_a_later_stage() -> None:
    graph = import_graph()
    upward = sorted(f"{name} -> {other}" for name, others in graph.items() for other in others if stage(other) > stage(name))
    assert upward == []

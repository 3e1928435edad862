"""The code stays as clean as it is: ruff's rules and format, and mypy's strict mode on the engine.

The tools and their versions come from the lock (constraints.txt), and their
settings from pyproject.toml, so this test fails on a change to the code,
never on a release upstream.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["engine", "tests", "benchmarks"]


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300)


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

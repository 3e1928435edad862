"""Shared fixtures: the repository's paths, one Engine per session, the CLI in-process.

`Engine.open` registers rulesets in durable_rules' process-wide Host (a few
hundred kilobytes each, never freed), so tests share one Engine for the
shipped rule base instead of opening one per test or per CLI invocation.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import engine.cli
from engine.pipeline import Engine

ROOT = Path(__file__).resolve().parent.parent

Invoke = Callable[..., Result]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository: rules/, seeds/ and scenarios/ live here."""
    return ROOT


@pytest.fixture(scope="session")
def shipped_engine() -> Engine:
    """The shipped rule base, validated and compiled once for the whole session."""
    return Engine.open(ROOT / "rules")


@pytest.fixture
def forecast_cli(monkeypatch: pytest.MonkeyPatch, shipped_engine: Engine) -> Invoke:
    """`forecast ARGS...` in-process: returns click's Result (stdout and stderr apart).

    A command given the shipped rule base reuses the session's Engine; any
    other rule base is opened as usual.
    """
    opened = engine.cli._engine
    rules_dir, seeds_dir = (ROOT / "rules").resolve(), (ROOT / "seeds").resolve()

    def cached(rules: Path, seeds: Path | None) -> Engine:
        if rules.resolve() == rules_dir and (seeds is None or seeds.resolve() == seeds_dir):
            return shipped_engine
        result: Engine = opened(rules, seeds)
        return result

    monkeypatch.setattr(engine.cli, "_engine", cached)
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(engine.cli.cli, [str(arg) for arg in args], prog_name="forecast")

    return invoke

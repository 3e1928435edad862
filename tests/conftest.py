"""Shared fixtures: the repository's paths, one Engine per session, the CLI in-process.

Opening the shipped rule base validates it, so tests share one Engine for it
instead of opening one per test or per CLI invocation. The rule base cache
goes to a directory of this session's own (`FORECAST_CACHE_DIR`, inherited
by every subprocess), never to the user's.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import engine.cli
import engine.cli.options
from engine.pipeline import Engine

ROOT = Path(__file__).resolve().parent.parent
os.environ["FORECAST_CACHE_DIR"] = tempfile.mkdtemp(prefix="forecast-test-cache-")

Invoke = Callable[..., Result]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository: rules/, seeds/ and scenarios/ live here."""
    return ROOT


@pytest.fixture(scope="session")
def shipped_engine() -> Engine:
    """The shipped rule base, validated and compiled once for the whole session."""
    return Engine.open(ROOT / "rules")


@pytest.fixture(scope="session")
def shipped_compiled_engine(shipped_engine: Engine) -> Engine:
    """The shipped rule base on the compiled matcher, as the exploring commands open it."""
    return Engine.on(shipped_engine.rule_base, shipped_engine.program, "compiled")


@pytest.fixture
def forecast_cli(monkeypatch: pytest.MonkeyPatch, shipped_engine: Engine, shipped_compiled_engine: Engine) -> Invoke:
    """`forecast ARGS...` in-process: returns click's Result (stdout and stderr apart).

    A command given the shipped rule base reuses the session's Engine (on
    either matcher); any other rule base is opened as usual.
    """
    opened = engine.cli.options.open_engine
    rules_dir, seeds_dir = (ROOT / "rules").resolve(), (ROOT / "seeds").resolve()

    def cached(rules: Path, seeds: Path | None, matcher: str = "durable") -> Engine:
        if rules.resolve() == rules_dir and (seeds is None or seeds.resolve() == seeds_dir):
            return shipped_engine if matcher == "durable" else shipped_compiled_engine
        result: Engine = opened(rules, seeds, matcher)
        return result

    monkeypatch.setattr(engine.cli.options, "open_engine", cached)
    runner = CliRunner()

    def invoke(*args: str | Path) -> Result:
        return runner.invoke(engine.cli.cli, [str(arg) for arg in args], prog_name="forecast")

    return invoke

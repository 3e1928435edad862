"""`forecast test`: run every scenario's own expectations, as a test runner runs its tests.

Each scenario file's `expect:` section (status, favours, speakers,
conflicting, bounds, pooled) is checked against its forecast; an uncertain
scenario checks its pinned figures. One PASS or FAIL line a scenario, the
unmet expectations under a FAIL in the words `forecast SCENARIO` uses
(`engine.resolve.expectations.Mismatch`), and `N passed, M failed` last.
"""

from __future__ import annotations

import fnmatch
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.cli import options
from engine.cli.options import FILE, found_rule_base_options, lexicon_option

if TYPE_CHECKING:
    from engine.model import Scenario
    from engine.pipeline import Engine
    from engine.resolve.expectations import Mismatch

SCHEMA_VERSION = "1.0"
"""The version of `forecast test --format json` (docs/json.md): major when a field goes or changes meaning, minor when one is added."""


@dataclass(frozen=True)
class Outcome:
    """One scenario's run: its file, name, how many expectations it has, and those not met."""

    path: Path
    name: str
    expectations: int
    unmet: tuple[Mismatch, ...]

    @property
    def passed(self) -> bool:
        return not self.unmet


def scenario_files(scenarios: Path) -> list[Path]:
    """Every `*.yaml` scenario below `scenarios`, in path order, outside the folders of batch tables."""
    from engine.checking import scenarios_below
    from engine.errors import InputError, Location
    from engine.load.rulebase import misnamed, unread

    if not scenarios.is_dir():
        raise InputError("scenarios folder not found", location=Location(scenarios), suggestion="name the scenario files to test")
    found = scenarios_below(scenarios)
    for path in found:
        if unread(path):
            raise misnamed(path)
    return found


def selected(pattern: str | None, path: Path, name: str) -> bool:
    """Whether `-k PATTERN` picks a scenario: a glob (with `*`, `?` or `[`) or else a substring of its file stem or name, any case."""
    if pattern is None:
        return True
    wanted = pattern.casefold()
    candidates = (path.stem.casefold(), name.casefold())
    if any(mark in wanted for mark in "*?["):
        return any(fnmatch.fnmatchcase(candidate, wanted) for candidate in candidates)
    return any(wanted in candidate for candidate in candidates)


def run_tests(
    rules: Path | None, seeds: Path | None, files: Iterable[Path], pattern: str | None, lexicon: str | None, strict: bool = False
) -> list[Outcome]:
    """Each chosen scenario's expectations, on the rule base given or found from it (`engine.cli.rulebase`).

    With `strict`, a scenario with an input it does not give itself (a default, or a base's) is refused (`InputError`).

    Runs on the compiled matcher, which gives the same answers as durable_rules;
    each rule base is opened once.
    """
    from engine.cli.rulebase import find_rule_base
    from engine.resolve.expectations import unmet_expectations

    engines: dict[Path, Engine] = {}
    outcomes = []
    for path in files:
        base = find_rule_base(rules, path)
        if base not in engines:
            engines[base] = options.open_engine(base, seeds, "compiled")
        engine = engines[base]
        scenario = engine.read_scenario(path, lexicon)
        if not selected(pattern, path, scenario.name):
            continue
        if strict:
            options.refuse_implicit(scenario, path)
        forecast, odds = engine.forecast_scenario(scenario, lexicon=lexicon)
        unmet = unmet_expectations(scenario, forecast, odds)
        outcomes.append(Outcome(path, scenario.name, _count(scenario), tuple(unmet)))
    return outcomes


def _count(scenario: Scenario) -> int:
    """How many expectations a scenario states: one per key set under each question."""
    total = 0
    for expected in scenario.expect.values():
        keys = ("status", "favours", "speakers", "conflicting", "bounds", "pooled")
        total += sum(getattr(expected, key) is not None for key in keys)
    return total


def tally(outcomes: list[Outcome]) -> str:
    """The closing line: `N passed, M failed`."""
    passed = sum(outcome.passed for outcome in outcomes)
    return f"{passed} passed, {len(outcomes) - passed} failed"


def render_text(outcomes: list[Outcome]) -> str:
    lines = []
    for outcome in outcomes:
        lines.append(f"{'PASS' if outcome.passed else 'FAIL'} {outcome.path.as_posix()} ({outcome.name})")
        lines += [f"  {mismatch}" for mismatch in outcome.unmet]
    return "\n".join([*lines, tally(outcomes)]) + "\n"


def render_json(outcomes: list[Outcome]) -> str:
    passed = sum(outcome.passed for outcome in outcomes)
    document = {
        "schema_version": SCHEMA_VERSION,
        "scenarios": [
            {
                "file": outcome.path.as_posix(),
                "name": outcome.name,
                "passed": outcome.passed,
                "expectations": outcome.expectations,
                "unmet": [
                    {"question": item.question, "field": item.field, "expected": item.expected, "actual": item.actual, "text": str(item)}
                    for item in outcome.unmet
                ],
            }
            for outcome in outcomes
        ],
        "passed": passed,
        "failed": len(outcomes) - passed,
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@click.command("test")
@click.argument("scenarios", nargs=-1, type=FILE)
@click.option(
    "-k",
    "pattern",
    metavar="PATTERN",
    default=None,
    help="Run only the scenarios whose file stem or name contains PATTERN (any case), or matches it as a glob (`*`, `?`, `[...]`).",
)
@lexicon_option
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format; JSON is a versioned contract (docs/json.md).",
)
@options.strict_option
@found_rule_base_options
def test_command(
    scenarios: tuple[Path, ...], pattern: str | None, lexicon: str | None, fmt: str, strict: bool, rules: Path | None, seeds: Path | None
) -> None:
    """Run the scenarios' expectations: PASS or FAIL each, then `N passed, M failed`.

    With no SCENARIOS, every `*.yaml` below the rule base's scenarios/
    folder (its batch/ tables left out). Each scenario runs on the rule
    base given, or else the nearest rules/ at or above its folder. A FAIL lists each expectation not
    met with what the forecast gave; an uncertain scenario checks its pinned
    `bounds` and `pooled`. Exits 1 when any scenario fails. --strict refuses
    (exit 2) a scenario with an input from a vocabulary default or a base.

    \b
    Example:
      forecast test
      forecast test scenarios/heavy_fighting.yaml scenarios/junta_pays.yaml
      forecast test -k fighting
      forecast test -k 'heavy_*' --format json
      forecast test --lexicon kent
    """
    from engine.cli.rulebase import find_rule_base

    files = list(dict.fromkeys(scenarios))
    if not files:
        rules = find_rule_base(rules)
        files = scenario_files(rules.parent / "scenarios")
    if files:
        options.note_check_command(find_rule_base(rules, files[0]), seeds, *files)
    outcomes = run_tests(rules, seeds, files, pattern, lexicon, strict)
    options.emit(render_json(outcomes) if fmt == "json" else render_text(outcomes), None)
    if not all(outcome.passed for outcome in outcomes):
        sys.exit(1)

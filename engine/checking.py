"""`forecast check`: validate a rule base and its scenarios without running them.

Collects every problem rather than stopping at the first, so one run tells
the analyst everything to fix. A sound rule base is also checked against the
rule engine's limits and, with `consistency=True`, searched for self-conflicts, dead rules and broken invariants
(`engine.consistency`).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import inputs
from engine.errors import BudgetReached, InputError, Location, RuleBaseInvalid
from engine.load.rulebase import load_rule_base, misnamed, unread
from engine.load.scenario import scenario_problems, speakers
from engine.load.validate import problems as rule_base_problems
from engine.load.yamlfile import load_yaml
from engine.matching.compile import compile_rule_base
from engine.matching.limits import limit_problems
from engine.memory import collector_paused

ProgressFactory = Callable[..., Callable[[int, int], None]]
"""`factory(label, unit="scenarios")` -> `update(done, total)`."""


@dataclass
class CheckResult:
    """What `forecast check` found."""

    rules_path: Path
    rules: int = 0
    scenarios: list[Path] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    consistency: Any = None
    counterexamples: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    """Counterexample files of an earlier run that this one removed."""
    write_error: InputError | None = None
    """Why the counterexamples could not be written; the report is whole without them."""
    wants_counterexamples: bool = False
    expecting: int = 0
    """How many of the scenarios checked have an `expect:` section (`forecast test` runs them)."""

    @property
    def failed(self) -> bool:
        return bool(self.problems) or bool(self.consistency is not None and self.consistency.failed)

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": self.rules_path.as_posix(),
            "rule_count": self.rules,
            "scenarios": [path.as_posix() for path in self.scenarios],
            "problems": [_problem_json(problem) for problem in self.problems],
            "consistency": self.consistency.to_json() if self.consistency is not None else None,
            "counterexamples": [path.as_posix() for path in self.counterexamples],
            "notes": list(self.notes),
            "ok": not self.failed,
        }

    def render_text(self, width: int | None = None) -> str:
        """The problems, one a line, and the consistency report wrapped at `width` (default 100)."""
        lines = [str(problem) for problem in self.problems]
        checked = f"{_counted(self.rules, 'rule')} in {self.rules_path.as_posix()}, {_counted(len(self.scenarios), 'scenario')}"
        if self.problems:
            lines.append(f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} in {checked}")
        else:
            lines.append(f"ok: {checked}; every quote found verbatim in its seed")
            if self.expecting:
                lines.append(f"{_counted(self.expecting, 'scenario')} with expectations: run `forecast test` to check them")
        lines += [f"note: {note}" for note in self.notes]
        if self.consistency is not None:
            report = self.consistency.render_text() if width is None else self.consistency.render_text(width)
            lines += ["", report.rstrip("\n")]
        for path in self.counterexamples:
            lines.append(f"wrote {path.as_posix()}")
        for path in self.removed:
            lines.append(f"removed {path.as_posix()} (a counterexample of an earlier run)")
        if self.consistency is not None and not self.consistency.complete and self.wants_counterexamples:
            lines.append("no counterexample written: the search did not finish")
        return "\n".join(lines) + "\n"


def _problem_json(problem: InputError) -> dict[str, Any]:
    location = problem.location
    return {
        "file": location.path.as_posix() if location else None,
        "line": location.line if location else None,
        "column": location.column if location else None,
        "key": problem.key,
        "message": problem.message,
        "suggestion": problem.suggestion,
    }


SKIPPED_FOLDERS = ("batch",)
"""Folders of scenarios/ that hold tables for `forecast batch`, not scenario files."""


def scenarios_below(folder: Path) -> list[Path]:
    """Every YAML file below `folder` (`*.yaml`, and the misnamed `*.yml` a check reports), in path order, but in batch tables' folders."""
    found = []
    for path in inputs.descendants(folder):
        if path.relative_to(folder).parts[0] in SKIPPED_FOLDERS or not path.is_file():
            continue
        if path.suffix.lower() in (".yaml", ".yml"):
            found.append(path)
    return sorted(found)


def _scenario_files(rules: Path, scenarios: Path | None, files: tuple[Path, ...]) -> list[Path]:
    """The scenario files to check: those named, else every one below the scenarios directory (as `forecast test` runs them)."""
    if files:
        return list(files)
    directory = scenarios if scenarios is not None else rules.parent / "scenarios"
    if directory.is_dir():
        return scenarios_below(directory)
    if scenarios is not None:
        raise InputError("scenarios directory not found", location=Location(scenarios), suggestion="pass --scenarios DIR")
    return []


def _problems_of(load: Callable[[], Any]) -> tuple[Any, list[InputError]]:
    """What `load()` returns, or the problems it raised."""
    try:
        return load(), []
    except RuleBaseInvalid as errors:
        return None, list(errors.problems)
    except InputError as error:
        return None, [error]


def _set_up_budget(deadline: float | None, max_seconds: float | None) -> Callable[[str], None]:
    """`due(done)`: raises `BudgetReached`, saying what set-up `done`, once `deadline` (`time.monotonic()`) has passed."""

    def due(done: str) -> None:
        if deadline is not None and time.monotonic() >= deadline:
            raise BudgetReached(
                f"time budget of {max_seconds:g} s reached during set-up ({done}): "
                "the consistency search did not start, nothing was searched"
            )

    return due


def check_all(
    rules: Path,
    seeds: Path | None = None,
    scenarios: Path | None = None,
    *,
    files: tuple[Path, ...] = (),
    consistency: bool = False,
    counterexamples: Path | None = None,
    progress: ProgressFactory | None = None,
    max_seconds: float | None = None,
    checkpoint: Callable[[], None] | None = None,
    jobs: int | None = 1,
    started: float | None = None,
) -> CheckResult:
    """Check everything; raises `InputError` only when `rules` is not a directory or `counterexamples` cannot be written into.

    With `consistency`, `max_seconds` bounds the whole check, set-up included,
    counted from `started` (`time.monotonic()`; default: now): set-up that runs past it raises
    `BudgetReached`, saying what was done. `checkpoint` is called
    before each scenario of the search; `jobs` worker processes search it (`engine.consistency.run_consistency`).
    """
    if not rules.is_dir():
        raise InputError(
            "rule base directory not found" if not rules.exists() else "is not a directory",
            location=Location(rules),
            suggestion="pass --rules DIR",
        )
    if counterexamples is not None:
        from engine.writing import check_directory

        check_directory(counterexamples)  # now, not after a long search
    result = CheckResult(rules_path=rules, wants_counterexamples=counterexamples is not None)
    started = time.monotonic() if started is None else started
    due = _set_up_budget(started + max_seconds if consistency and max_seconds is not None else None, max_seconds)
    with collector_paused():  # linear set-up: engine/memory.py
        rule_base, result.problems = _problems_of(lambda: load_rule_base(rules, seeds, checkpoint=due))
        if rule_base is None:
            return result
        due("the rule base read")
        result.rules = len(rule_base.rules)
        result.problems.extend(rule_base_problems(rule_base))
        due("the rule base read and validated")
        defaults = [lexicon for lexicon in rule_base.lexicons.values() if lexicon.default]
        lexicon = defaults[0] if len(defaults) == 1 else None
        spoken = speakers(rule_base)
        for path in _scenario_files(rules, scenarios, files):
            result.scenarios.append(path)
            if not files and unread(path):  # a file named on the command line is read whatever its name
                result.problems.append(misnamed(path))
                continue
            document, problems = _problems_of(functools.partial(load_yaml, path))
            result.expecting += document is not None and isinstance(document.data, dict) and bool(document.data.get("expect"))
            result.problems.extend(problems or scenario_problems(document, rule_base.vocabulary, rule_base.experts, lexicon, spoken))
        if result.problems:
            return result
        due("the rule base and its scenarios validated")
        program = compile_rule_base(rule_base)
        due("the rule base validated and compiled")
        result.notes.extend(
            f"{problem}; forecasts run on the compiled matcher, which gives the same answers" for problem in limit_problems(program)
        )
    if consistency:
        from engine.consistency import run_consistency, write_counterexamples
        from engine.pipeline import Engine

        due("the rule base validated, compiled and checked against the engine's limits")
        with collector_paused():
            engine = Engine.on(rule_base, program, "compiled")
        result.consistency = run_consistency(
            engine,
            started=started,
            progress=progress("consistency") if progress else None,
            shrinking=progress("shrinking findings", "findings") if progress else None,
            max_seconds=max_seconds,
            checkpoint=checkpoint,
            jobs=jobs,
        )
        if counterexamples is not None and result.consistency.complete:
            from engine.consistency.report import earlier_counterexamples

            earlier = earlier_counterexamples(counterexamples)
            try:
                result.counterexamples = write_counterexamples(result.consistency, counterexamples, rule_base.vocabulary)
            except InputError as error:
                result.write_error = error
            except OSError as error:
                result.write_error = InputError(f"cannot write: {error.strerror or error}", location=Location(counterexamples))
            result.removed = [path for path in earlier if path not in result.counterexamples and not path.exists()]
    return result


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"

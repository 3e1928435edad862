"""`forecast check`: validate a rule base and its scenarios without running them.

Collects every problem rather than stopping at the first, so one run tells
the analyst everything to fix. With `consistency=True`, a sound rule base is
also searched for self-conflicts, dead rules and broken invariants
(`engine.consistency`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import InputError, Location, RuleBaseInvalid
from engine.load import RuleBase, load_rule_base, load_scenario_file
from engine.validate import problems as rule_base_problems
from engine.validate import scenario_values

ProgressFactory = Callable[[str], Callable[[int, int], None]]


@dataclass
class CheckResult:
    """What `forecast check` found."""

    rules_path: Path
    rules: int = 0
    scenarios: list[Path] = field(default_factory=list)
    problems: list[InputError] = field(default_factory=list)
    consistency: Any = None
    counterexamples: list[Path] = field(default_factory=list)

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
            "ok": not self.failed,
        }

    def render_text(self) -> str:
        lines = [str(problem) for problem in self.problems]
        checked = f"{self.rules} rules in {self.rules_path.as_posix()}, {len(self.scenarios)} scenarios"
        if self.problems:
            lines.append(f"{len(self.problems)} problem{'s' if len(self.problems) != 1 else ''} in {checked}")
        else:
            lines.append(f"ok: {checked}; every quote found verbatim in its seed")
        if self.consistency is not None:
            lines += ["", self.consistency.render_text().rstrip("\n")]
        for path in self.counterexamples:
            lines.append(f"wrote {path.as_posix()}")
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


def check_all(
    rules: Path,
    seeds: Path | None = None,
    scenarios: Path | None = None,
    *,
    consistency: bool = False,
    counterexamples: Path | None = None,
    progress: ProgressFactory | None = None,
) -> CheckResult:
    """Check everything; raises `InputError` only when `rules` is not a directory."""
    if not rules.is_dir():
        raise InputError("rule base directory not found" if not rules.exists() else "is not a directory", location=Location(rules), suggestion="pass --rules DIR")
    result = CheckResult(rules_path=rules)
    rule_base: RuleBase | None = None
    try:
        rule_base = load_rule_base(rules, seeds)
    except RuleBaseInvalid as errors:
        result.problems.extend(errors.problems)
    except InputError as error:
        result.problems.append(error)
    if rule_base is not None:
        result.rules = len(rule_base.rules)
        result.problems.extend(rule_base_problems(rule_base))
        scenario_directory = scenarios if scenarios is not None else rules.parent / "scenarios"
        if scenario_directory.is_dir():
            for path in sorted(scenario_directory.glob("*.yaml")):
                result.scenarios.append(path)
                try:
                    parsed, document = load_scenario_file(path)
                except RuleBaseInvalid as errors:
                    result.problems.extend(errors.problems)
                    continue
                except InputError as error:
                    result.problems.append(error)
                    continue
                result.problems.extend(scenario_values(rule_base.vocabulary, parsed, document)[1])
        elif scenarios is not None:
            raise InputError("scenarios directory not found", location=Location(scenarios), suggestion="pass --scenarios DIR")
    if consistency and rule_base is not None and not result.problems:
        from engine.consistency import run_consistency, write_counterexamples
        from engine.pipeline import Engine

        engine = Engine.from_rule_base(rule_base)
        result.consistency = run_consistency(engine, progress=progress("consistency") if progress else None)
        if counterexamples is not None:
            counterexamples.mkdir(parents=True, exist_ok=True)
            result.counterexamples = write_counterexamples(result.consistency, counterexamples, rule_base.vocabulary)
    return result

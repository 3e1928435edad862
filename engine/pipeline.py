"""The library's front door: load, validate, compile, run, resolve.

    engine = Engine.open(Path("rules"))
    scenario, forecast = engine.forecast_file(Path("scenarios/heavy_fighting.yaml"))

Everything the CLI does goes through here; a user's own code can too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from engine.compile import Program, Value, compile_rule_base
from engine.load import RuleBase, load_rule_base
from engine.matcher import Matcher
from engine.model import ScenarioFile
from engine.resolve import Forecast, Resolver
from engine.validate import load_scenario, require_valid


@dataclass(frozen=True)
class Mismatch:
    """A scenario's expectation that the forecast did not meet."""

    question: str
    field: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return f"{self.question}.{self.field}: expected {self.expected}, got {self.actual}"


class Engine:
    """A validated, compiled rule base, ready to forecast scenarios."""

    def __init__(self, rule_base: RuleBase, program: Program, matcher: Matcher) -> None:
        self.rule_base = rule_base
        self.program = program
        self.matcher = matcher
        self.resolver = Resolver(rule_base, program)

    @classmethod
    def open(cls, rules: Path, seeds: Path | None = None) -> Engine:
        """Load and check the rule base in `rules`; raises `InputError` if it is not sound."""
        return cls.from_rule_base(require_valid(load_rule_base(rules, seeds)))

    @classmethod
    def from_rule_base(cls, rule_base: RuleBase) -> Engine:
        """Compile an already validated rule base and put it behind the durable_rules matcher."""
        from engine.durable_backend import DurableMatcher

        program = compile_rule_base(rule_base)
        return cls(rule_base, program, DurableMatcher(program))

    def forecast(self, values: Mapping[str, Value]) -> Forecast:
        return self.resolver.resolve(values, self.matcher.run(values))

    def load_scenario(self, path: Path) -> tuple[ScenarioFile, dict[str, Value]]:
        return load_scenario(self.rule_base.vocabulary, path)

    def forecast_file(self, path: Path) -> tuple[ScenarioFile, Forecast]:
        scenario, values = self.load_scenario(path)
        return scenario, self.forecast(values)


def unmet_expectations(scenario: ScenarioFile, forecast: Forecast) -> list[Mismatch]:
    """Each expectation in the scenario file that the forecast does not meet."""
    found: list[Mismatch] = []
    for question_id, expected in scenario.expect.items():
        result = forecast.question(question_id)
        if expected.outcome is not None and tuple(expected.outcome) != result.outcome:
            found.append(Mismatch(question_id, "outcome", list(expected.outcome), list(result.outcome)))
        if expected.status is not None and expected.status != result.status:
            found.append(Mismatch(question_id, "status", expected.status, result.status))
        if expected.stances is not None:
            actual = {stance.expert: list(stance.outcomes) for stance in result.stances}
            wanted = {expert: list(outcomes) for expert, outcomes in expected.stances.items()}
            if actual != wanted:
                found.append(Mismatch(question_id, "stances", wanted, actual))
    return found

"""Compare a forecast with what its scenario file expects."""

from __future__ import annotations

from dataclasses import dataclass

from engine.model import Scenario
from engine.resolve.results import Forecast


@dataclass(frozen=True)
class Mismatch:
    """A scenario's expectation that the forecast did not meet."""

    question: str
    field: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return f"{self.question}.{self.field}: expected {_flow(self.expected)}, got {_flow(self.actual)}"


def _flow(value: object) -> str:
    """A value as YAML's flow style writes it, as the scenario file does: `[curtail]`, `{weiss: [curtail, maintain]}`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return str(value)


def unmet_expectations(scenario: Scenario, forecast: Forecast) -> list[Mismatch]:
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

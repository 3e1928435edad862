"""Compare a forecast with what its scenario file expects."""

from __future__ import annotations

from collections.abc import Mapping

from engine.model import Scenario
from engine.records import record
from engine.resolve.odds import Figure, Probabilities
from engine.resolve.results import Forecast

TOLERANCE = 1e-6
"""How far a pinned bound may be from an exact figure."""
STANDARD_ERRORS = 4
"""How far, in its standard errors, a pinned bound may be from a Monte Carlo estimate (as the tests hold them)."""


@record
class Mismatch:
    """A scenario's expectation that the forecast did not meet."""

    question: str
    field: str
    expected: object
    actual: object

    def __str__(self) -> str:
        return f"{self.question}.{self.field}: expected {flow(self.expected)}, got {flow(self.actual)}"


def flow(value: object) -> str:
    """A value as YAML's flow style writes it, as the scenario file does: `[curtail]`, `{weiss: [curtail, maintain]}`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(item) for item in value) + "]"
    return str(value)


def unmet_expectations(scenario: Scenario, forecast: Forecast | None, odds: Probabilities | None = None) -> list[Mismatch]:
    """Each expectation in the scenario file that the forecast (or its probabilities) does not meet."""
    found: list[Mismatch] = []
    for question_id, expected in scenario.expect.items():
        if odds is not None:
            found += _unmet_bounds(question_id, expected.bounds, expected.pooled, odds)
        if forecast is None:
            continue
        result = forecast.question(question_id)
        verdict = result.verdict
        if odds is not None and odds.question(question_id).verdict is None:  # a hedged link leaves it open: no one status
            statuses = odds.question(question_id).statuses
            opened = {status: [round(figure.low, 6), round(figure.high, 6)] for status, figure in statuses.items() if figure.high > 0}
            if expected.status is not None:
                found.append(Mismatch(question_id, "status", expected.status, opened))
            if expected.favours is not None:
                found.append(Mismatch(question_id, "favours", list(expected.favours), opened))
            continue
        if expected.status is not None and expected.status != result.status:
            found.append(Mismatch(question_id, "status", expected.status, result.status))
        if expected.favours is not None and tuple(expected.favours) != (verdict.favours or ()):
            found.append(Mismatch(question_id, "favours", list(expected.favours), list(verdict.favours or ())))
        if expected.speakers is not None:
            actual = [stance.expert for stance in result.stances]
            if sorted(expected.speakers) != sorted(actual):
                found.append(Mismatch(question_id, "speakers", list(expected.speakers), actual))
        if expected.conflicting is not None and sorted(expected.conflicting) != sorted(verdict.conflicting):
            found.append(Mismatch(question_id, "conflicting", list(expected.conflicting), list(verdict.conflicting)))
    return found


def _unmet_bounds(
    question_id: str,
    bounds: Mapping[str, Mapping[str, tuple[float, float]]] | None,
    pooled: Mapping[str, tuple[float, float]] | None,
    odds: Probabilities,
) -> list[Mismatch]:
    """Pinned bounds, by expert and pooled, that the forecast misses (`_misses`)."""
    question = odds.question(question_id)
    tables: list[tuple[str, Mapping[str, tuple[float, float]], Mapping[str, Figure] | None]] = []
    for expert, wanted in (bounds or {}).items():
        stance = next((stance for stance in question.stances if stance.expert == expert), None)
        tables.append((f"bounds.{expert}", wanted, stance.bounds if stance else None))
    if pooled is not None:
        tables.append(("pooled", pooled, question.pooled))
    found = []
    for field, wanted, actual in tables:
        for outcome, (low, high) in wanted.items():
            got = actual.get(outcome) if actual else None
            if got is None or _misses(got.low, got.se_low, low) or _misses(got.high, got.se_high, high):
                shown = [round(got.low, 6), round(got.high, 6)] if got else None
                found.append(Mismatch(question_id, f"{field}.{outcome}", [low, high], shown))
    return found


def _misses(estimate: float, error: float | None, wanted: float) -> bool:
    """Whether a figure misses a pinned value: by more than `TOLERANCE`, or, estimated, by more than `STANDARD_ERRORS` of its errors."""
    allowed = TOLERANCE if error is None else max(TOLERANCE, STANDARD_ERRORS * error)
    return abs(estimate - wanted) > allowed

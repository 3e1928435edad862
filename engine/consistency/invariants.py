"""Invariants: promises about stances, declared in checks.yaml, checked on a forecast."""

from __future__ import annotations

from engine.language import allowed, describe_conclusion, holds
from engine.model import Invariant, Vocabulary
from engine.records import record
from engine.resolve.results import Forecast, ForecastSummary, Stance, StanceSummary


@record
class Breach:
    """How one forecast breaks one invariant."""

    invariant: Invariant
    outcomes: tuple[str, ...]
    forbidden: tuple[str, ...]
    experts: tuple[str, ...]
    rules: tuple[str, ...]

    def __str__(self) -> str:
        bound = self.invariant.require
        rules = ", ".join(self.rules)
        if self.invariant.expert is not None:
            held = f"{self.invariant.expert} allows {', '.join(self.outcomes)} on {bound.question} ({rules})"
        else:
            held = f"the combined outcome on {bound.question} is {', '.join(self.outcomes)} ({rules})"
        return f"{held}, but '{describe_conclusion(bound)}' rules out {', '.join(self.forbidden)}"


def invariant_breach(invariant: Invariant, forecast: Forecast | ForecastSummary, vocabulary: Vocabulary) -> Breach | None:
    """How `forecast` breaks `invariant`, or None when it holds.

    It holds when its `when` does not, or when every outcome the stance in
    scope allows is within the bound: the expert's stance if `expert` is set,
    else the combined outcome. No stance, a self-conflict, or an empty
    combined outcome meets every bound.
    """
    if invariant.when is not None and not holds(invariant.when, forecast.values, forecast.facts, vocabulary.kinds):
        return None
    bound = invariant.require
    result = forecast.question(bound.question)
    permitted = set(allowed(bound.op, bound.values, result.scale))
    stances: tuple[Stance | StanceSummary, ...]
    if invariant.expert is None:
        stances = tuple(result.stances)
        outcomes = result.outcome
    else:
        stances = tuple(stance for stance in result.stances if stance.expert == invariant.expert)
        outcomes = stances[0].outcomes if stances else ()
    forbidden = tuple(outcome for outcome in outcomes if outcome not in permitted)
    if not forbidden:
        return None
    return Breach(
        invariant=invariant,
        outcomes=outcomes,
        forbidden=forbidden,
        experts=tuple(stance.expert for stance in stances),
        rules=tuple(sorted({rule for stance in stances for rule in stance.rules})),
    )

"""Invariants: promises about stances, declared in checks.yaml, checked on a forecast."""

from __future__ import annotations

from engine.language import allowed, describe_conclusion, holds
from engine.model import Invariant, Vocabulary
from engine.records import record
from engine.resolve.credal import event_bounds
from engine.resolve.results import Forecast, ForecastSummary
from engine.resolve.verdict import HALF


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
        who = self.invariant.expert if self.invariant.expert is not None else "the experts"
        held = f"{who} leave {', '.join(self.forbidden) or ', '.join(self.outcomes)} open on {bound.question} ({rules})"
        return f"{held}, but '{describe_conclusion(bound)}' rules it out"


def invariant_breach(invariant: Invariant, forecast: Forecast | ForecastSummary, vocabulary: Vocabulary) -> Breach | None:
    """How `forecast` breaks `invariant`, or None when it holds.

    It holds when its `when` does not, or when the claims in scope (the
    expert's if `expert` is set, else every expert's) stay within the bound
    as likelihoods (VERDICTS.md section 7): every possibility they raise lies
    within it, and, if they give numbers, they favour it (its lowest
    probability is above one half). No claim, a self-conflict or a conflict
    (reported as such) meets every bound.
    """
    if invariant.when is not None and not holds(invariant.when, forecast.values, forecast.facts, vocabulary.kinds):
        return None
    bound = invariant.require
    result = forecast.question(bound.question)
    permitted = frozenset(allowed(bound.op, bound.values, result.scale))
    verdict = result.verdict
    experts = (invariant.expert,) if invariant.expert is not None else verdict.experts
    claims = [claim for expert in experts if expert in verdict.views for claim in verdict.views[expert].claims]
    if not claims or event_bounds(result.scale, claims, frozenset(result.scale)) is None:
        return None
    outside = [claim for claim in claims if not claim.assessed and not claim.event <= permitted]
    lowest = event_bounds(result.scale, claims, permitted)
    assert lowest is not None
    if any(claim.assessed for claim in claims) and lowest[0] <= HALF:
        outside += [claim for claim in claims if claim.assessed and claim not in outside]
    if not outside:
        return None
    addressed = {outcome for claim in outside for outcome in claim.event}
    outcomes = tuple(outcome for outcome in result.scale if outcome in addressed)
    return Breach(
        invariant=invariant,
        outcomes=outcomes,
        forbidden=tuple(outcome for outcome in outcomes if outcome not in permitted),
        experts=tuple(expert for expert in experts if expert in verdict.views),
        rules=tuple(sorted({claim.rule for claim in outside})),
    )

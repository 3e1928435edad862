"""Invariants: promises about stances, declared in checks.yaml, checked on a forecast."""

from __future__ import annotations

from fractions import Fraction

from engine.language import allowed, describe_conclusion, holds
from engine.model import Invariant, Vocabulary
from engine.records import record
from engine.render.odds import percent
from engine.render.verdicts import event_name
from engine.resolve.credal import event_bounds
from engine.resolve.odds import Figure
from engine.resolve.results import Forecast, ForecastSummary
from engine.resolve.verdict import HALF


@record
class Breach:
    """How one forecast breaks one invariant.

    `forbidden`: the outcomes outside the bound that a claim raises as
    possible. `lowest`: when the claims give numbers and do not favour the
    bound, the lowest probability they leave it (at most one half); None
    when the numbers favour it or there are none. `outcomes`: every outcome
    the claims that break it address; `rules`: those claims' rules.
    """

    invariant: Invariant
    outcomes: tuple[str, ...]
    forbidden: tuple[str, ...]
    experts: tuple[str, ...]
    rules: tuple[str, ...]
    lowest: Fraction | None = None
    scale: tuple[str, ...] = ()
    """The question's outcomes, in order (to name the bound's event)."""

    def __str__(self) -> str:
        bound = self.invariant.require
        who = self.invariant.expert if self.invariant.expert is not None else "the experts"
        parts = []
        if self.forbidden:
            parts.append(f"{who} {'raises' if self.invariant.expert else 'raise'} {', '.join(self.forbidden)} as possible")
        if self.lowest is not None:
            permitted = allowed(bound.op, bound.values, self.scale)
            chance = percent(Figure(float(self.lowest), float(self.lowest)))
            whose = f"{who}'s" if self.invariant.expert is not None else "the experts'"
            parts.append(f"{whose} claims put P({event_name(self.scale, permitted)}) as low as {chance}, not above one half")
        rules = ", ".join(self.rules)
        return f"on {bound.question}, {' and '.join(parts)} ({rules}), but the invariant requires '{describe_conclusion(bound)}'"


def invariant_breach(invariant: Invariant, forecast: Forecast | ForecastSummary, vocabulary: Vocabulary) -> Breach | None:
    """How `forecast` breaks `invariant`, or None when it holds.

    It holds when its `when` does not, or when the claims in scope (the
    expert's if `expert` is set, else every expert's) stay within the bound
    as likelihoods (VERDICTS.md section 7): every possibility they raise lies
    within it, and, if they give numbers, they favour it (its lowest
    probability is above one half). No claim, a self-conflict or a conflict
    (reported as such) meets every bound. The verdict is the forecast's:
    read with the lexicon it was made with (the rule base's default, in the
    consistency check).
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
    raised = [claim for claim in claims if not claim.assessed and not claim.event <= permitted]
    numeric = [claim for claim in claims if claim.assessed]
    interval = event_bounds(result.scale, claims, permitted)
    assert interval is not None
    short = bool(numeric) and interval[0] <= HALF
    outside = raised + (numeric if short else [])
    if not outside:
        return None
    addressed = {outcome for claim in outside for outcome in claim.event}
    return Breach(
        invariant=invariant,
        outcomes=tuple(outcome for outcome in result.scale if outcome in addressed),
        forbidden=tuple(
            outcome for outcome in result.scale if any(outcome in claim.event for claim in raised) and outcome not in permitted
        ),
        experts=tuple(expert for expert in experts if expert in verdict.views),
        rules=tuple(sorted({claim.rule for claim in outside})),
        lowest=interval[0] if short else None,
        scale=result.scale,
    )

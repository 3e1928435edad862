"""One verdict on a question: what the experts' claims say, read as likelihoods (../shared/VERDICTS.md).

A fired stance rule makes one claim about the event its hedge rates: a
numeric claim (`P(event)` within the lexicon's range for its words) or a
possibility (an unassessed word: "may", "could"), which constrains nothing.
For each speaker the numeric claims make a credal set (`engine.resolve.credal`):

- the speaker *favours* an event S (a non-empty proper subset of the
  outcomes) when the lowest `P(S)` over the set is above one half; the
  smallest such event is reported;
- an empty set is a self-conflict, and the claims whose ranges cannot hold
  together are named;
- possibilities raised on events that do not overlap *point both ways*: an
  observation, never a conflict.

Across the experts (speakers of kind `expert` only: partisan sources and the
analyst are judged apart and never change the verdict), the status is
`no stance` (nobody spoke), `one voice` (one expert, consistent),
`conflict` (no distribution meets every claim at once, a self-conflict
included), `agree` (some event is favoured by every expert: the smallest
is named) or `compatible`. Together, each outcome's bounds over every
claim at once; pooled, a linear pool over the experts who gave a number.

Everything here is exact (fractions) and memoised on the claims, so a
search that meets the same fired rules again pays nothing.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Literal

from engine.records import field, record
from engine.resolve.credal import Claim, Interval, Ranges, range_bounds, range_event_bounds, range_feasible, ranges_of

Status = Literal["no stance", "one voice", "agree", "compatible", "conflict"]
STATUSES: tuple[Status, ...] = ("no stance", "one voice", "agree", "compatible", "conflict")
"""Every status, in the order outputs list them."""
HALF = Fraction(1, 2)
ALL_SUBSETS = 8
"""Scales up to this many outcomes search every event for what is favoured; longer ones, the runs of adjacent
outcomes and the complements of single outcomes (what a reader names on an ordered scale)."""

Event = tuple[str, ...]
"""A set of a question's outcomes, in scale order."""


@record
class View:
    """One speaker's word on one question, from the claims of the rules that fired."""

    speaker: str
    claims: tuple[Claim, ...]
    bounds: Mapping[str, Interval] | None = field(compare=False)
    """Each outcome's lowest and highest probability over the credal set; None when it is empty (a self-conflict).

    Left out of equality: it follows from the claims, as every other field does."""
    favours: Event | None
    """The smallest event whose lowest probability is above one half; None when nothing is favoured."""
    possible: tuple[Event, ...]
    """The events raised as possible (unassessed words), each once, in the order of the claims."""
    clashing: tuple[str, ...]
    """On a self-conflict, the rules whose ranges cannot hold together (a smallest such set)."""

    @property
    def numeric(self) -> bool:
        """Whether the speaker gave at least one number on the question."""
        return any(claim.assessed for claim in self.claims)

    @property
    def both_ways(self) -> bool:
        """Whether two possibilities raised do not overlap ("could increase" and "may curtail")."""
        return any(not set(one) & set(other) for one, other in itertools.combinations(self.possible, 2))


@record
class Verdict:
    """The verdict on one question, from one set of fired claims."""

    status: Status
    experts: tuple[str, ...]
    """The experts who made at least one claim on the question, in rule-base order."""
    views: Mapping[str, View] = field(compare=False)
    """Each expert's view (the experts only; sources and the analyst are in `others`)."""
    favours: Event | None
    """What `agree` agrees on, or what `one voice` favours; None otherwise."""
    conflicting: tuple[str, ...]
    """On `conflict`, the experts whose claims cannot all hold; empty otherwise."""
    clashing: tuple[str, ...]
    """On `conflict`, a smallest set of rules whose ranges cannot hold together."""
    together: Mapping[str, Interval] | None = field(compare=False)
    """Each outcome's bounds over every expert's claims at once; None on a conflict or when nobody spoke."""
    weights: Mapping[str, Fraction] = field(compare=False)
    """The pool's weights, renormalised over the experts who gave a number (and hold together)."""
    pooled: Mapping[str, Interval] | None = field(compare=False)
    no_number: tuple[str, ...] = ()
    """The experts who raised possibilities only."""
    others: Mapping[str, View] = field(compare=False, default_factory=dict)
    """Partisan sources and the analyst, judged the same way, apart."""
    claims: tuple[tuple[str, tuple[Claim, ...]], ...] = ()
    """Every speaker's claims, in order: what the verdict follows from, and what two verdicts are compared on."""

    @property
    def addressed(self) -> frozenset[str]:
        """The outcomes the experts' claims address (VERDICTS.md section 7): those a possibility raises, and every outcome
        a number gives a range, through the event it rates or that event's complement ("unlikely to drop Russia" puts
        keep_russia at 55-80%)."""
        found: set[str] = set()
        for view in self.views.values():
            for claim in view.claims:
                found |= set(view.bounds) if claim.assessed and view.bounds is not None else claim.event
        return frozenset(found)

    @property
    def possible(self) -> tuple[tuple[str, Event], ...]:
        """Every possibility the experts raised, with who raised it."""
        return tuple((expert, event) for expert in self.experts for event in self.views[expert].possible)


def candidates(scale: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    """The events searched for what is favoured, smallest first, then by their place on the scale."""
    return _candidates(scale)


@functools.lru_cache(maxsize=256)
def _candidates(scale: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    size = len(scale)
    if size <= ALL_SUBSETS:
        chosen = [combo for width in range(1, size) for combo in itertools.combinations(range(size), width)]
    else:
        runs = {tuple(range(start, start + width)) for width in range(1, size) for start in range(size - width + 1)}
        holes = {tuple(position for position in range(size) if position != missing) for missing in range(size)}
        chosen = sorted(runs | holes, key=lambda combo: (len(combo), combo))
    return tuple(frozenset(scale[position] for position in combo) for combo in chosen)


def favoured(scale: tuple[str, ...], ranges: Ranges) -> tuple[frozenset[str], ...]:
    """Every candidate event whose lowest probability under `ranges` is above one half, smallest first."""
    return _favoured(scale, ranges)


@functools.lru_cache(maxsize=8192)
def _favoured(scale: tuple[str, ...], ranges: Ranges) -> tuple[frozenset[str], ...]:
    if not ranges:
        return ()
    outcome_bounds = range_bounds(scale, ranges)
    if outcome_bounds is None:
        return ()
    found = []
    for event in _candidates(scale):
        if sum((outcome_bounds[outcome][1] for outcome in event), Fraction(0)) <= HALF:
            continue  # even at each outcome's highest, the event cannot pass one half
        interval = range_event_bounds(scale, ranges, event)
        if interval is not None and interval[0] > HALF:
            found.append(event)
    return tuple(found)


def in_order(scale: Sequence[str], event: Iterable[str]) -> Event:
    members = set(event)
    return tuple(outcome for outcome in scale if outcome in members)


def clashing(scale: tuple[str, ...], claims: Sequence[Claim]) -> tuple[Claim, ...]:
    """A smallest set of the numeric claims whose ranges admit no distribution (none if they all fit)."""
    kept = [claim for claim in claims if claim.assessed]
    if range_feasible(scale, ranges_of(kept)):
        return ()
    for claim in list(kept):  # drop each claim the others still clash without: what is left is irreducible
        trial = [other for other in kept if other is not claim]
        if not range_feasible(scale, ranges_of(trial)):
            kept = trial
    return tuple(kept)


def view(speaker: str, scale: tuple[str, ...], claims: Sequence[Claim]) -> View:
    """One speaker's view from their claims on a question."""
    ranges = ranges_of(claims)
    found = range_bounds(scale, ranges)
    events = _favoured(scale, ranges) if found is not None else ()
    possible = tuple(dict.fromkeys(in_order(scale, claim.event) for claim in claims if not claim.assessed))
    clash = () if found is not None else tuple(claim.rule for claim in clashing(scale, claims))
    return View(
        speaker=speaker,
        claims=tuple(claims),
        bounds=found,
        favours=in_order(scale, events[0]) if events else None,
        possible=possible,
        clashing=clash,
    )


def judge(
    scale: Sequence[str],
    experts: Mapping[str, Sequence[Claim]],
    weights: Mapping[str, float],
    others: Mapping[str, Sequence[Claim]] | None = None,
) -> Verdict:
    """The verdict on a question from each expert's claims (in rule-base order), their pool weights, and the others' claims."""
    scale = tuple(scale)
    views = {expert: view(expert, scale, claims) for expert, claims in experts.items() if claims}
    spoken = tuple(views)
    apart = {speaker: view(speaker, scale, claims) for speaker, claims in (others or {}).items() if claims}
    everything = [claim for expert in spoken for claim in views[expert].claims]
    together = range_bounds(scale, ranges_of(everything)) if spoken else None
    members = [expert for expert in spoken if views[expert].numeric and views[expert].bounds is not None]
    total = sum((Fraction(weights.get(expert, 1.0)) for expert in members), Fraction(0))
    shares = {expert: Fraction(weights.get(expert, 1.0)) / total for expert in members} if total > 0 else {}
    pooled = _pool(scale, [(shares[expert], views[expert].bounds) for expert in shares]) if shares else None
    no_number = tuple(expert for expert in spoken if not views[expert].numeric)
    status: Status
    favours: Event | None = None
    conflicting: tuple[str, ...] = ()
    clash: tuple[str, ...] = ()
    if not spoken:
        status = "no stance"
    elif together is None:
        status = "conflict"
        rules = clashing(scale, everything)
        clash = tuple(claim.rule for claim in rules)
        owners = {claim.rule for claim in rules}
        conflicting = tuple(expert for expert in spoken if any(claim.rule in owners for claim in views[expert].claims))
    elif len(spoken) == 1:
        status = "one voice"
        favours = views[spoken[0]].favours
    else:
        common = _common(scale, [ranges_of(views[expert].claims) for expert in spoken])
        status = "agree" if common is not None else "compatible"
        favours = common
    return Verdict(
        status=status,
        experts=spoken,
        views=views,
        favours=favours,
        conflicting=conflicting,
        clashing=clash,
        together=together,
        weights=shares,
        pooled=pooled,
        no_number=no_number,
        others=apart,
        claims=tuple((speaker, found.claims) for speaker, found in {**views, **apart}.items()),
    )


def _common(scale: tuple[str, ...], every: Sequence[Ranges]) -> Event | None:
    """The smallest event every one of the credal sets favours, or None."""
    sets = [set(_favoured(scale, ranges)) for ranges in every]
    for event in _candidates(scale):
        if all(event in found for found in sets):
            return in_order(scale, event)
    return None


def _pool(scale: tuple[str, ...], parts: Sequence[tuple[Fraction, Mapping[str, Interval] | None]]) -> dict[str, Interval]:
    return {
        outcome: (
            sum((share * bounds[outcome][0] for share, bounds in parts if bounds is not None), Fraction(0)),
            sum((share * bounds[outcome][1] for share, bounds in parts if bounds is not None), Fraction(0)),
        )
        for outcome in scale
    }

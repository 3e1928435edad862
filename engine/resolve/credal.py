"""What an expert's hedged claims say of the probability of each outcome: a credal set and its bounds.

A fired rule whose hedge the lexicon reads as a range says `P(E)` is within
`[low, high]` for its rated event E, a set of the question's outcomes; a rule
whose words are unassessed ("may", "could") raises E as possible and gives
no number. The expert's beliefs are every distribution over the outcomes that
meets all the ranges at once (a credal set); for each outcome the forecast
reports the lowest and highest probability it has in that set. No such
distribution at all is a probabilistic self-conflict. An expert who gives no
number allows any distribution: every outcome from 0 to 1.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction

from engine.records import record
from engine.resolve.simplex import Polytope

ZERO, ONE = Fraction(0), Fraction(1)

Interval = tuple[Fraction, Fraction]
Bounds = Mapping[str, Interval]
"""Each outcome of a question's scale and the lowest and highest probability it can have."""


@record
class Claim:
    """One fired rule's word on a question: `P(event)` within `[low, high]`, or no number (`low` None)."""

    rule: str
    event: frozenset[str]
    low: Fraction | None = None
    high: Fraction | None = None

    @property
    def assessed(self) -> bool:
        return self.low is not None


def vacuous(scale: Sequence[str]) -> dict[str, Interval]:
    """The bounds of one who gives no number: anything from 0 to 1."""
    return dict.fromkeys(scale, (ZERO, ONE))


Ranges = frozenset[tuple[frozenset[str], Fraction, Fraction]]


def ranges_of(claims: Iterable[Claim]) -> Ranges:
    """The numeric claims' ranges, as a key the solvers memoise on (possibilities constrain nothing and are left out)."""
    return frozenset((claim.event, claim.low, claim.high) for claim in claims if claim.low is not None and claim.high is not None)


def range_bounds(scale: tuple[str, ...], ranges: Ranges) -> dict[str, Interval] | None:
    """`bounds` from ranges already gathered (`ranges_of`): memoised on them."""
    return _bounds(scale, ranges)


def range_feasible(scale: tuple[str, ...], ranges: Ranges) -> bool:
    """Whether some distribution meets every range: one feasibility test, no bounds solved (memoised)."""
    return not ranges or not _polytope(scale, ranges).empty


def range_event_bounds(scale: tuple[str, ...], ranges: Ranges, event: frozenset[str]) -> Interval | None:
    """`event_bounds` from ranges already gathered (`ranges_of`): memoised on them."""
    return _event_bounds(scale, ranges, event)


def bounds(scale: Sequence[str], claims: Iterable[Claim]) -> dict[str, Interval] | None:
    """Each outcome's lowest and highest probability over every distribution the claims allow; None if none does."""
    return _bounds(tuple(scale), ranges_of(claims))


def event_bounds(scale: Sequence[str], claims: Iterable[Claim], event: frozenset[str]) -> Interval | None:
    """The lowest and highest probability of `event` (a set of outcomes) the claims allow; None if none does."""
    return _event_bounds(tuple(scale), ranges_of(claims), event)


def _one_range(scale: tuple[str, ...], ranged: frozenset[str], low: Fraction, high: Fraction, target: frozenset[str]) -> Interval | None:
    """The bounds of P(target) under the one range `P(ranged)` in [low, high]: a closed form, no programme to solve.

    The outcomes fall in four cells: in both events, in `ranged` only, in
    `target` only, in neither. With s = P(ranged), the most `target` can have
    is s from the first cell (if it has an outcome) and 1 - s from the third;
    the least, what the second and fourth cells cannot absorb. Both are
    linear in s, so the extremes are at s = low or s = high.
    """
    both, ranged_only = ranged & target, ranged - target
    target_only, neither = target - ranged, set(scale) - ranged - target
    choices = [low, high] if (target_only or neither) else ([ONE] if low <= ONE <= high else [])
    if not choices:
        return None
    most = [(s if both else ZERO) + ((1 - s) if target_only else ZERO) for s in choices]
    least = [(ZERO if ranged_only else s) + (ZERO if neither else 1 - s) for s in choices]
    return (min(least), max(most))


@functools.lru_cache(maxsize=4096)
def _event_bounds(scale: tuple[str, ...], ranges: Ranges, event: frozenset[str]) -> Interval | None:
    if not ranges:
        return (ZERO, ONE)
    if len(ranges) == 1:
        ((ranged, low, high),) = ranges
        return _one_range(scale, ranged, low, high, event)
    polytope = _polytope(scale, ranges)
    if polytope.empty:
        return None
    costs = [ONE if column < len(scale) and scale[column] in event else ZERO for column in range(polytope.width)]
    least, most = polytope.minimum(costs), polytope.maximum(costs)
    assert least is not None and most is not None
    return (least, most)


@functools.lru_cache(maxsize=4096)
def _bounds(scale: tuple[str, ...], ranges: Ranges) -> dict[str, Interval] | None:
    if not ranges:
        return vacuous(scale)
    found: dict[str, Interval] = {}
    if len(ranges) == 1:
        for outcome in scale:
            interval = _event_bounds(scale, ranges, frozenset({outcome}))
            if interval is None:
                return None
            found[outcome] = interval
        return found
    polytope = _polytope(scale, ranges)
    if polytope.empty:
        return None
    for index, outcome in enumerate(scale):
        costs = [ONE if column == index else ZERO for column in range(polytope.width)]
        least, most = polytope.minimum(costs), polytope.maximum(costs)
        assert least is not None and most is not None
        found[outcome] = (least, most)
    return found


@functools.lru_cache(maxsize=4096)
def _polytope(scale: tuple[str, ...], ranges: Ranges) -> Polytope:
    """The distributions over `scale` that meet every range, as equalities over outcomes and slacks."""
    ordered = sorted(ranges, key=lambda item: (sorted(item[0]), item[1], item[2]))
    slacks = 2 * len(ordered)
    rows: list[list[Fraction]] = [[ONE] * len(scale) + [ZERO] * slacks]
    rights: list[Fraction] = [ONE]
    for position, (event, low, high) in enumerate(ordered):
        members = [ONE if outcome in event else ZERO for outcome in scale]
        upper, lower = [ZERO] * slacks, [ZERO] * slacks
        upper[2 * position] = ONE  # sum + slack = high
        lower[2 * position + 1] = -ONE  # sum - surplus = low
        rows += [members + upper, members + lower]
        rights += [high, low]
    return Polytope(rows, rights)

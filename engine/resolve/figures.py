"""The arithmetic of `engine.resolve.probability`: per-class answers mixed into figures, and a figure's ends.

A `Tally` is one corner's weight of each set of firings (a corner: each
word-ranged input at its low or high end), exact probabilities or sample
counts: how likely something is over it, with a standard error when
sampled, and the weighted mean of bounds where they exist (`Tally.mix`).
`figure_of` and `bounds_figure` take a figure's lowest and highest over
the corners, and `snapped` makes ends that differ only by rounding
(`ROUNDING`) one point.
`spans` turns the exact bounds of `engine.resolve.credal` into floats.
A class's set of firings is a `Fired`, which also knows which of its
rules rest on an analyst's assumption.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

from engine.matching.matcher import Firing
from engine.resolve.credal import Interval
from engine.resolve.odds import Figure, Span


class Fired(frozenset[str]):
    """The rules that fired in a class, and `assumed`: those whose firing rests on an analyst's assumption there.

    A firing rests on one when its rule is an analyst's, or when a derived
    fact it matched was derived by such a firing: what a trace marks
    ASSUMPTION, class by class. Two classes are one set of firings only
    when both agree.
    """

    __slots__ = ("assumed",)
    assumed: frozenset[str]

    def __new__(cls, firings: Iterable[Firing], analysts: frozenset[str], rule_facts: Mapping[str, str]) -> Fired:
        firings = tuple(firings)
        made = super().__new__(cls, (firing.rule_id for firing in firings))
        assumed = {firing.rule_id for firing in firings if firing.rule_id in analysts}
        grown = True
        while grown:  # derived facts may chain in any order within a stratum: until nothing more rests on an assumption
            tainted = {rule_facts[rule_id] for rule_id in assumed if rule_id in rule_facts}
            more = {firing.rule_id for firing in firings if firing.rule_id not in assumed and tainted.intersection(firing.facts)}
            assumed |= more
            grown = bool(more)
        made.assumed = frozenset(assumed)
        return made

    def __eq__(self, other: object) -> bool:
        return isinstance(other, frozenset) and frozenset.__eq__(self, other) and getattr(other, "assumed", None) == self.assumed

    def __hash__(self) -> int:
        return hash((frozenset.__hash__(self), self.assumed))


class Tally:
    """One corner's weight of every set of firings: probabilities (exact), or sample counts.

    Exact weights are products of the inputs' probabilities, summed with
    `math.fsum` (correctly rounded, so the order of the classes does not
    matter); every figure is within a few units in the last place of the
    rational answer.
    """

    def __init__(self, weights: Mapping[frozenset[str], float], total: float, exact: bool) -> None:
        self.weights = weights
        self.total = total
        self.exact_ = exact

    @classmethod
    def exact(cls, groups: Mapping[frozenset[str], float]) -> Tally:
        return cls(groups, math.fsum(groups.values()), True)

    @classmethod
    def sampled(cls, counts: Mapping[frozenset[str], int], samples: int) -> Tally:
        return cls({fired: float(count) for fired, count in counts.items()}, float(samples), False)

    def share(self, happens: Callable[..., bool]) -> tuple[float, float | None]:
        """The probability that `happens(fired)`, and its standard error (None when exact)."""
        return self.chance([weight for fired, weight in self.weights.items() if happens(fired)])

    def chance(self, weights: Iterable[float]) -> tuple[float, float | None]:
        """The probability of the sets of firings with these `weights`, and its standard error (None when exact)."""
        chance = min(math.fsum(weights) / self.total, 1.0)
        error = None if self.exact_ else math.sqrt(max(chance * (1 - chance), 0.0) / self.total)
        return chance, error

    def project(self, kept: frozenset[str]) -> Tally:
        """The same tally over the firings of the `kept` rules only (a question's figures need no others)."""
        parts: dict[frozenset[str], list[float]] = {}
        for fired, weight in self.weights.items():
            parts.setdefault(fired & kept, []).append(weight)
        return Tally({fired: math.fsum(weights) for fired, weights in parts.items()}, self.total, self.exact_)

    def mix(self, bounds_of: Callable[[frozenset[str]], Mapping[str, Span] | None], scale: Sequence[str]) -> dict[str, Mixed] | None:
        """The weighted mean of each outcome's bounds where they exist, with standard errors; None if they never do."""
        parts = [(weight, found) for fired, weight in self.weights.items() if (found := bounds_of(fired)) is not None]
        kept = math.fsum(weight for weight, _ in parts)
        if not kept:
            return None
        if len(parts) == 1:  # one class: no weighing to do
            only = parts[0][1]
            return {
                outcome: (only[outcome][0], only[outcome][1], None if self.exact_ else 0.0, None if self.exact_ else 0.0)
                for outcome in scale
            }
        mixed: dict[str, Mixed] = {}
        for outcome in scale:
            ends: list[tuple[float, float | None]] = []
            for side in (0, 1):
                mean = math.fsum(weight * found[outcome][side] for weight, found in parts) / kept
                if self.exact_:
                    ends.append((mean, None))
                else:
                    spread = math.fsum(weight * (found[outcome][side] - mean) ** 2 for weight, found in parts) / max(kept - 1, 1)
                    ends.append((mean, math.sqrt(spread / kept)))
            mixed[outcome] = (ends[0][0], ends[1][0], ends[0][1], ends[1][1])
        return mixed


def spans(found: Mapping[str, Interval] | None) -> dict[str, Span] | None:
    return None if found is None else {outcome: (float(low), float(high)) for outcome, (low, high) in found.items()}


Mixed = tuple[float, float, float | None, float | None]
"""An outcome's mixed low and high, with their standard errors (None when exact)."""


def figure_of(per_corner: Sequence[tuple[float, float | None]]) -> Figure:
    """The low and high of a figure over the corners, each with the standard error it was estimated with."""
    low = min(per_corner, key=lambda part: part[0])
    high = max(per_corner, key=lambda part: part[0])
    return snapped(Figure(low[0], high[0], low[1], high[1]))


ROUNDING = 1e-12
"""Ends of a figure closer than this are one point: sums in a different order differ in the last bits, not in meaning."""


def snapped(figure: Figure) -> Figure:
    """A figure whose ends differ only by rounding, as the point it is (probabilities clamped to 0-1 likewise)."""
    low, high = min(max(figure.low, 0.0), 1.0), min(max(figure.high, 0.0), 1.0)
    if high - low <= ROUNDING:
        return Figure(low, low, figure.se_low, figure.se_low)
    return Figure(low, high, figure.se_low, figure.se_high)


def bounds_figure(per_corner: Sequence[Mapping[str, Mixed] | None], scale: Sequence[str]) -> dict[str, Figure] | None:
    present = [mix for mix in per_corner if mix is not None]
    if not present:
        return None
    found = {}
    for outcome in scale:
        low = min(present, key=lambda mix: mix[outcome][0])[outcome]
        high = max(present, key=lambda mix: mix[outcome][1])[outcome]
        found[outcome] = snapped(Figure(low[0], high[1], low[2], high[3]))
    return found

"""Inputs as distributions over the classes of scenarios (`engine.space`), at each corner of the word-ranged ones.

An input given as a word (a range of chances) is taken at its low and
high ends: every corner is one choice of end for each such input.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from fractions import Fraction

from engine.language import Value
from engine.model import Between, ChanceRange, Chances, Input
from engine.space import ScenarioSpace

ZERO, ONE = Fraction(0), Fraction(1)


class InputClasses:
    """Each input's probability of each class of its variable, cached, for one scenario space."""

    def __init__(self, space: ScenarioSpace) -> None:
        self.space = space
        self._weights: dict[tuple[str, Input, bool], dict[int, Fraction]] = {}

    def corners(self, inputs: Mapping[str, Input]) -> list[dict[str, dict[int, Fraction]]]:
        """For every corner of the word-ranged inputs, each variable's distribution over its classes."""
        ranged = [name for name, given in inputs.items() if isinstance(given, ChanceRange)]
        found = []
        for choice in itertools.product((False, True), repeat=len(ranged)):
            high = dict(zip(ranged, choice, strict=True))
            found.append({name: self._classes(name, given, high.get(name, False)) for name, given in inputs.items()})
        return found

    def _classes(self, name: str, given: Input, high: bool) -> dict[int, Fraction]:
        """The probability of each class of `name` under `given` (at its low or high end, for a word)."""
        key = (name, given, high)
        if key not in self._weights:
            self._weights[key] = self._class_weights(name, given, high)
        return self._weights[key]

    def _class_weights(self, name: str, given: Input, high: bool) -> dict[int, Fraction]:
        if isinstance(given, Between):
            counts = self.space.class_counts(name, given.low, given.high)
            return {position: Fraction(count, given.count) for position, count in sorted(counts.items())}
        weights: dict[int, Fraction] = {}
        if isinstance(given, ChanceRange):
            chance = given.high if high else given.low
            pairs: Iterable[tuple[Value, Fraction]] = [(True, chance), (False, 1 - chance)]
        elif isinstance(given, Chances):
            pairs = zip(given.values, given.weights, strict=True)
        else:
            pairs = [(given, ONE)]
        for value, weight in pairs:
            if weight:
                position = self.space.class_of(name, value)
                weights[position] = weights.get(position, ZERO) + weight
        return weights

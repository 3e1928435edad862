"""Hedges carry along chains: each uncertain fact rule is an independent switch, and a scenario a mixture of worlds.

A rule that derives a fact concludes it only with its hedge's reading
(VERDICTS.md section 4): given its condition, the fact holds with a chance
in the lexicon's range for the rule's words, 0-100% for a possibility. A
rule written without a hedge, an expert's or the analyst's, states its
link as holding wherever its condition does (as PROBABILITY.md's worked
examples read Osborn's and Siegle's links); the analyst may hedge a bridge
like anyone.
Several rules deriving one fact are independent causes (noisy-or): each
uncertain rule has its own switch, and it fires when its condition holds
and its switch is on.

For one class of scenarios, the worlds are the settings of the switches of
the rules that fire, found lazily: a fired rule's switch is split into on
and off, and with it off the compiled matcher runs again without it (which
can make other rules fire, through a negated fact, or stop). A world's
weight is the product of its switches' p or 1 - p. A switch whose chance is
0 or 1 at a corner is not split. The figures are multilinear in the
switches' chances, so each switch with a range adds a corner dimension, as
a word-ranged input does; past `MAX_SWITCHES` ranged switches, they are
taken at their ends together (all low, all high), which is exact when the
figures move the same way with every switch, and otherwise narrower than
the true range.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Hashable, Mapping
from fractions import Fraction

from engine.language import FactClaim
from engine.matching.compiled import CompiledMatcher, Encoded
from engine.model import Lexicon, RuleBase
from engine.resolve.figures import Fired

ZERO, ONE = Fraction(0), Fraction(1)
MAX_SWITCHES = 8
"""Corners are enumerated for up to this many switches with a range (256 corners); past it, they move together."""

Leaf = tuple[frozenset[str], frozenset[str], Fired]
"""A world: the switches set on, those set off, and what fires there."""


class TooManyWorlds(Exception):
    """More worlds than the budget allows for exact enumeration: estimate by Monte Carlo instead."""


def switch_ranges(rule_base: RuleBase, lexicon: Lexicon) -> dict[str, tuple[Fraction, Fraction]]:
    """Each uncertain fact rule's range of chances that it concludes its fact, given its condition."""
    found: dict[str, tuple[Fraction, Fraction]] = {}
    for rule in rule_base.rules:
        if not isinstance(rule.then, FactClaim):
            continue
        if rule.hedge is None:
            continue  # a link stated without a hedge holds wherever its condition does (the analyst's bridges too)
        words = rule.hedge
        reading = lexicon.reading(words)
        if reading is None:
            raise ValueError(f"lexicon {lexicon.name} does not read {words!r} (the rule base was not checked?)")
        low, high = (reading.low, reading.high) if reading.low is not None and reading.high is not None else (ZERO, ONE)
        if low < ONE:
            found[rule.id] = (low, high)
    return found


class Worlds:
    """The worlds of each class of scenarios, for one compiled rule base and one lexicon's switches."""

    def __init__(
        self,
        matcher: CompiledMatcher,
        ranges: Mapping[str, tuple[Fraction, Fraction]],
        analysts: frozenset[str],
        rule_facts: Mapping[str, str],
    ) -> None:
        self.matcher = matcher
        self.ranges = ranges
        self.analysts = analysts
        self.rule_facts = rule_facts
        self._runs: dict[tuple[Hashable, frozenset[str]], Fired] = {}
        self._leaves: dict[tuple[Hashable, frozenset[str], frozenset[str]], list[Leaf]] = {}

    def corners(self) -> list[dict[str, Fraction]]:
        """Each corner of the switches' ranges: every switch's chance (see `MAX_SWITCHES`)."""
        ranged = sorted(rule_id for rule_id, (low, high) in self.ranges.items() if low != high)
        fixed = {rule_id: low for rule_id, (low, high) in self.ranges.items() if low == high}
        if len(ranged) > MAX_SWITCHES:
            return [fixed | {rule_id: self.ranges[rule_id][side] for rule_id in ranged} for side in (0, 1)]
        return [
            fixed | {rule_id: self.ranges[rule_id][1 if high else 0] for rule_id, high in zip(ranged, choice, strict=True)}
            for choice in itertools.product((False, True), repeat=len(ranged))
        ]

    def run(self, key: Hashable, ranks: Encoded, off: frozenset[str]) -> Fired:
        """What fires in the class `key` (its `ranks`) with the rules in `off` switched off (cached)."""
        found = self._runs.get((key, off))
        if found is None:
            found = Fired(self.matcher.run_suppressed(ranks, off), self.analysts, self.rule_facts)
            if len(self._runs) >= 200_000:  # a long Monte Carlo run meets many worlds: the memory starts again
                self._runs.clear()
            self._runs[(key, off)] = found
        return found

    def leaves(self, key: Hashable, ranks: Encoded, chances: Mapping[str, Fraction], budget: int) -> list[Leaf]:
        """The worlds of one class at one corner of the switches (cached by which switches are 0 or 1 there)."""
        zeros = frozenset(rule_id for rule_id, chance in chances.items() if chance == ZERO)
        ones = frozenset(rule_id for rule_id, chance in chances.items() if chance == ONE)
        cached = self._leaves.get((key, zeros, ones))
        if cached is not None:
            return cached
        leaves: list[Leaf] = []
        pending: list[tuple[frozenset[str], frozenset[str]]] = [(frozenset(), frozenset())]
        while pending:
            on, off = pending.pop()
            fired = self.run(key, ranks, off | zeros)
            open_ = sorted(rule_id for rule_id in fired if rule_id in chances and rule_id not in on and rule_id not in ones)
            if not open_:
                leaves.append((on, off, fired))
                if len(leaves) > budget:
                    raise TooManyWorlds
                continue
            pending += [(on, off | {open_[0]}), (on | {open_[0]}, off)]
        self._leaves[(key, zeros, ones)] = leaves
        return leaves

    @staticmethod
    def weight(leaf: Leaf, chances: Mapping[str, Fraction]) -> float:
        """The probability of a world at one corner: the product of its switches' p (on) or 1 - p (off), rounded once."""
        on, off, _ = leaf
        exact = math.prod((chances[rule_id] for rule_id in on), start=ONE) * math.prod((1 - chances[rule_id] for rule_id in off), start=ONE)
        return float(exact)

    def draw(self, key: Hashable, ranks: Encoded, chances: Mapping[str, float], uniforms: Mapping[str, list[float]], sample: int) -> Fired:
        """The world sample number `sample` lands in: a fired switch is off when its uniform is at least its chance."""
        off: frozenset[str] = frozenset()
        while True:
            fired = self.run(key, ranks, off)
            more = {
                rule_id for rule_id in fired if rule_id in chances and rule_id not in off and uniforms[rule_id][sample] >= chances[rule_id]
            }
            if not more:
                return fired
            off |= more


def switch_uniforms(ranges: Mapping[str, object], samples: int, seed: int) -> dict[str, list[float]]:
    """Each switch's uniforms, one per sample, the same at every corner (common random numbers), seeded by its rule id."""
    return {
        rule_id: [generator.random() for _ in range(samples)]
        for rule_id in sorted(ranges)
        for generator in [random.Random(f"{seed} {rule_id}")]
    }

"""Each variable's values cut into runs that no rule tells apart, and the thresholds between them.

A run is a stretch of neighbouring values of one variable, lowest first, in
one class of the rule-only scenario space (`ScenarioSpace.of(rule_base,
invariants=False)`): moving within a run changes no forecast, and moving
from one run to the next crosses at least one rule's test, its threshold.
Booleans have the runs false and true, levels one run per level (or per
stretch of levels no rule tells apart), whole numbers the stretches between
the constants of the rules' tests (`0 to 1`, `2`, `3 to 30`), and continuous
numbers the constants themselves and the open intervals between them.

Each run knows the value nearest to a neighbour on either side: `first`,
its lowest value, is what a move up into it reaches first, and `last`, its
highest, what a move down reaches first. An open end (a continuous number
just above a threshold) has no nearest value: the nearest whole number
inside is taken, else the midpoint.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from engine.language import BooleanKind, Kind, LevelKind, NumberKind, Op, Value, VarTest, leaves, show_plain, show_targets
from engine.model import RuleBase
from engine.records import record
from engine.space import ScenarioSpace


@record
class Run:
    """Neighbouring values of one variable in one class: from `low` to `high` (each end open or closed)."""

    variable: str
    index: int
    """Its place among the variable's runs, lowest first."""
    position: int
    """Its class in the scenario space."""
    low: Value
    high: Value
    low_open: bool
    high_open: bool
    first: Value
    """The value a move up into the run reaches first."""
    last: Value
    """The value a move down into the run reaches first."""
    label: str
    """The run in words: `3 to 30`, `high`, `true`, `(1200, 10000]`."""

    def nearest(self, downwards: bool) -> Value:
        """The value a move into this run reaches first: `last` moving down, `first` moving up."""
        return self.last if downwards else self.first


@record
class Threshold:
    """A rule's test on a variable that a change crosses: the rules that test it, and whether it holds after the change."""

    test: VarTest
    rules: tuple[str, ...]
    holds: bool

    @property
    def words(self) -> str:
        """The test as the rule writes it, without the variable: `at least 3`, `is high`."""
        return test_words(self.test.op, self.test.values)

    @property
    def where(self) -> str:
        """Where the new value stands: `below 3` (it fails `at least 3`), `is low`, `is not high`."""
        return test_words(self.test.op if self.holds else self.test.op.negated, self.test.values)


def test_words(op: Op, values: tuple[Value, ...]) -> str:
    """`at least 3`, `below 2`, `is high`, `is not high`, `is one of [a, b]`: an ordered test drops its `is`."""
    words = f"{op.words} {show_targets(op, values)}"
    return words.removeprefix("is ") if op.ordered else words


class Boundaries:
    """The runs of every variable of a rule base, and the rule tests between them."""

    def __init__(self, rule_base: RuleBase, space: ScenarioSpace | None = None) -> None:
        self.rule_base = rule_base
        self.space = space if space is not None else ScenarioSpace.of(rule_base, invariants=False)
        self.kinds: Mapping[str, Kind] = rule_base.vocabulary.kinds
        tested: dict[VarTest, list[str]] = {}
        for rule in rule_base.rules:
            for leaf in leaves(rule.when):
                if isinstance(leaf.node, VarTest) and rule.id not in tested.setdefault(leaf.node, []):
                    tested[leaf.node].append(rule.id)
        self.tests: dict[str, tuple[tuple[VarTest, tuple[str, ...]], ...]] = {
            name: tuple((test, tuple(rules)) for test, rules in tested.items() if test.var == name) for name in self.kinds
        }
        self._runs: dict[str, tuple[Run, ...]] = {}

    def runs(self, name: str) -> tuple[Run, ...]:
        """The runs of a variable, lowest first."""
        found = self._runs.get(name)
        if found is None:
            found = self._runs[name] = _merge(name, self.kinds[name], _pieces(self.kinds[name], self.space, name), self.space)
        return found

    def run_of(self, name: str, value: Value) -> Run:
        """The run a value of `name` lies in."""
        kind = self.kinds[name]
        rank = kind.rank(value)
        for run in self.runs(name):
            low, high = kind.rank(run.low), kind.rank(run.high)
            if (low < rank or (low == rank and not run.low_open)) and (rank < high or (rank == high and not run.high_open)):
                return run
        raise ValueError(f"{show_plain(value)} is outside every run of {name}")

    def crossed(self, name: str, old: Value, new: Value) -> tuple[Threshold, ...]:
        """The rule tests on `name` that hold for one of `old` and `new` and not the other, nearest to `new` first.

        Nearest to `new` first: the first is the threshold between `new`'s
        run and its neighbour towards `old`, the one that decides.
        """
        kind = self.kinds[name]
        found = [
            Threshold(test, rules, kind.holds(test.op, new, test.values))
            for test, rules in self.tests.get(name, ())
            if kind.holds(test.op, old, test.values) != kind.holds(test.op, new, test.values)
        ]
        target = kind.rank(new)
        return tuple(sorted(found, key=lambda threshold: min(abs(kind.rank(value) - target) for value in threshold.test.values)))


Piece = tuple[Value, Value, bool, bool, Value]
"""A stretch of values in one class: low, high, low open, high open, and a value inside."""


def _pieces(kind: Kind, space: ScenarioSpace, name: str) -> list[Piece]:
    """The variable's values as stretches in which every value passes the same tests, lowest first."""
    targets = [target for test in space.tests.get(name, ()) for target in test.values]
    if isinstance(kind, (BooleanKind, LevelKind)):
        return [(value, value, False, False, value) for value in kind.representatives(targets)]
    assert isinstance(kind, NumberKind)
    starts = kind.representatives(targets)
    if kind.integer:
        ends = [int(value) - 1 for value in starts[1:]] + [math.floor(kind.maximum)]
        return [(start, end, False, False, start) for start, end in zip(starts, ends, strict=True)]
    inside = [target for target in targets if isinstance(target, (int, float)) and kind.minimum <= target <= kind.maximum]
    critical = sorted({kind.minimum, kind.maximum, *inside})
    pieces: list[Piece] = []
    for position, point in enumerate(critical):
        if position:
            low = critical[position - 1]
            pieces.append((low, point, True, True, _upwards(low, point, high_open=True)))
        pieces.append((point, point, False, False, point))
    return pieces


def _upwards(low: float, high: float, high_open: bool) -> Value:
    """The simplest value just above an open `low`: the next whole number, else the midpoint."""
    whole = math.floor(low) + 1
    return whole if whole < high or (whole == high and not high_open) else (low + high) / 2


def _downwards(low: float, high: float, low_open: bool) -> Value:
    """The simplest value just below an open `high`: the whole number below, else the midpoint."""
    whole = math.ceil(high) - 1
    return whole if whole > low or (whole == low and not low_open) else (low + high) / 2


def _merge(name: str, kind: Kind, pieces: list[Piece], space: ScenarioSpace) -> tuple[Run, ...]:
    """Neighbouring pieces of one class made one run."""
    groups: list[list[Piece]] = []
    for piece in pieces:
        if groups and space.class_of(name, groups[-1][-1][4]) == space.class_of(name, piece[4]):
            groups[-1].append(piece)
        else:
            groups.append([piece])
    runs = []
    for index, group in enumerate(groups):
        low, _, low_open, _, _ = group[0]
        _, high, _, high_open, _ = group[-1]
        first = low if not low_open else _upwards(float(low), float(high), high_open)
        last = high if not high_open else _downwards(float(low), float(high), low_open)
        runs.append(
            Run(
                variable=name,
                index=index,
                position=space.class_of(name, group[0][4]),
                low=low,
                high=high,
                low_open=low_open,
                high_open=high_open,
                first=first,
                last=last,
                label=_label(kind, low, high, low_open, high_open),
            )
        )
    return tuple(runs)


def _label(kind: Kind, low: Value, high: Value, low_open: bool, high_open: bool) -> str:
    if low == high and not (low_open or high_open):
        return show_plain(low)
    if isinstance(kind, BooleanKind):
        return "false or true"
    if isinstance(kind, NumberKind) and not kind.integer:
        return f"{'(' if low_open else '['}{show_plain(low)}, {show_plain(high)}{')' if high_open else ']'}"
    return f"{show_plain(low)} to {show_plain(high)}"

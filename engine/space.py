"""The scenario space: every scenario a vocabulary allows, one per class the rules cannot tell apart.

The engine compares a variable only with constants, so two scenarios whose
variables pass and fail exactly the same tests (in rules and invariant
conditions) get the same forecast. Each variable's values are cut into such
classes (`engine.language.Kind.representatives`), and one value per class is
kept: the simplest, in the order false < true, levels lowest first, numbers
smallest first. Searching one scenario per class is therefore exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from itertools import product
from typing import TYPE_CHECKING

from engine.language import Kind, Value, VarTest, leaves
from engine.model import RuleBase, Vocabulary
from engine.records import field, record

if TYPE_CHECKING:  # hypothesis is needed only to draw points, never to forecast
    from array import array

    from hypothesis import strategies as st

Point = tuple[int, ...]
"""A scenario as the position of its class for each variable, in vocabulary order."""


def _signature(kind: Kind, tests: tuple[VarTest, ...], value: Value) -> tuple[bool, ...]:
    """Which of the tests `value` passes: values with the same signature are in one class."""
    return tuple(kind.holds(test.op, value, test.values) for test in tests)


def _classes(kind: Kind, tests: tuple[VarTest, ...]) -> tuple[Value, ...]:
    """The simplest value of each class of values that `tests` cannot tell apart."""
    kept: dict[tuple[bool, ...], Value] = {}
    for value in kind.representatives(target for test in tests for target in test.values):
        kept.setdefault(_signature(kind, tests, value), value)
    return tuple(kept.values())


@record
class ScenarioSpace:
    """Every scenario a vocabulary allows, one per class the rules cannot tell apart.

    `classes[name]` holds one value per class of `name`, simplest class first;
    class 0 is the default (false, the lowest level, the minimum).

        space = ScenarioSpace.of(engine.rule_base)
        space.size, space.raw_size      # classes, and every value combination
        space.values(space.points()[0]) # the default scenario
    """

    vocabulary: Vocabulary
    classes: Mapping[str, tuple[Value, ...]]
    tests: Mapping[str, tuple[VarTest, ...]] = field(default_factory=dict, repr=False)
    _index: Mapping[str, Mapping[tuple[bool, ...], int]] = field(init=False, repr=False, compare=False)
    _found: dict[tuple[str, Value], int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = {
            name: {
                _signature(self.vocabulary.kinds[name], self.tests.get(name, ()), value): position for position, value in enumerate(values)
            }
            for name, values in self.classes.items()
        }
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_found", {})

    @classmethod
    def of(cls, rule_base: RuleBase, *, invariants: bool = True) -> ScenarioSpace:
        """The classes of every variable under all the tests in rules and (unless `invariants` is false) invariant conditions.

        Without the invariants' tests, the classes are exactly what the rules
        tell apart: neighbouring classes always differ in some rule's test.
        """
        conditions = [rule.when for rule in rule_base.rules]
        if invariants:
            conditions += [invariant.when for invariant in rule_base.checks.invariants]
        found = [leaf.node for condition in conditions for leaf in leaves(condition) if isinstance(leaf.node, VarTest)]
        vocabulary = rule_base.vocabulary
        tests = {name: tuple(dict.fromkeys(test for test in found if test.var == name)) for name in vocabulary.variables}
        return cls(
            vocabulary=vocabulary,
            classes={name: _classes(kind, tests[name]) for name, kind in vocabulary.kinds.items()},
            tests=tests,
        )

    def class_of(self, name: str, value: Value) -> int:
        """The position of the class of `name` that `value` belongs to."""
        key = (name, value)
        found = self._found.get(key)
        if found is None:
            found = self._index[name][_signature(self.vocabulary.kinds[name], self.tests.get(name, ()), value)]
            self._found[key] = found
        return found

    def class_counts(self, name: str, low: int, high: int) -> dict[int, int]:
        """How many whole numbers from `low` to `high` fall in each class of the number `name`.

        Between two neighbouring constants of the tests every value passes
        the same tests, so the range is cut at the constants and each piece
        counted at once: the cost grows with the constants, not the range.
        """
        cuts = sorted({float(value) for test in self.tests.get(name, ()) for value in test.values if low <= float(value) <= high})
        counts: dict[int, int] = {}

        def add(first: int, last: int) -> None:
            if first <= last:
                position = self.class_of(name, first)
                counts[position] = counts.get(position, 0) + last - first + 1

        start = low
        for cut in cuts:
            add(start, math.ceil(cut) - 1)
            if cut.is_integer():
                add(int(cut), int(cut))
                start = int(cut) + 1
            else:
                start = max(start, math.ceil(cut))
        add(start, high)
        return counts

    @property
    def size(self) -> int:
        """The number of scenario classes: the product of each variable's class count."""
        return math.prod(len(values) for values in self.classes.values())

    @property
    def raw_size(self) -> int | None:
        """The number of distinct scenarios; None when a continuous number makes it infinite."""
        sizes = [kind.size() for kind in self.vocabulary.kinds.values()]
        return None if None in sizes else math.prod(size for size in sizes if size is not None)

    def values(self, point: Point) -> dict[str, Value]:
        """The scenario of a point: one value per variable, in vocabulary order."""
        return {name: options[index] for (name, options), index in zip(self.classes.items(), point, strict=True)}

    @staticmethod
    def simplicity(point: Point) -> tuple[int, int, Point]:
        """Sort key: fewer variables off their default, then smaller class positions."""
        return (sum(1 for index in point if index), sum(point), point)

    def points(self) -> list[Point]:
        """Every point, simplest first."""
        return sorted(product(*(range(len(options)) for options in self.classes.values())), key=self.simplicity)

    @property
    def dimensions(self) -> tuple[int, ...]:
        """Each variable's number of classes, in vocabulary order."""
        return tuple(len(options) for options in self.classes.values())

    @property
    def strides(self) -> tuple[int, ...]:
        """What one class more of each variable adds to a point's index (`index`): the first variable counts most."""
        strides, step = [], 1
        for count in reversed(self.dimensions):
            strides.append(step)
            step *= count
        return tuple(reversed(strides))

    def index(self, point: Point) -> int:
        """A point's place among all points in the order of `itertools.product`: a number below `size`."""
        return sum(position * stride for position, stride in zip(point, self.strides, strict=True))

    def point(self, index: int) -> Point:
        """The point at `index` (the inverse of `index`)."""
        return tuple(index // stride % count for stride, count in zip(self.strides, self.dimensions, strict=True))

    def order(self) -> array[int]:
        """Every point's index, simplest first (the order of `points`), in 8 bytes a point instead of a tuple.

        The simplicity key's first two parts, variables off their default and
        the sum of positions, make one small number per point; product order
        is the third part's order, so a stable bucketing by that number is the
        sort, in two passes and no comparisons.
        """
        from array import array

        heavy = sum(count - 1 for count in self.dimensions) + 1
        keys = [0]
        for count in self.dimensions:
            weights = [0, *(heavy + position for position in range(1, count))]
            keys = [key + weight for key in keys for weight in weights]
        buckets: dict[int, array[int]] = {}
        for index, key in enumerate(keys):
            bucket = buckets.get(key)
            if bucket is None:
                bucket = buckets[key] = array("q")
            bucket.append(index)
        del keys
        ordered = array("q")
        for key in sorted(buckets):
            ordered.extend(buckets.pop(key))
        return ordered

    def strategy(self) -> st.SearchStrategy[Point]:
        """Hypothesis draws class positions; shrinking moves them towards the default class."""
        from hypothesis import strategies as st

        return st.tuples(*(_position(len(options)) for options in self.classes.values()))


def _position(count: int) -> st.SearchStrategy[int]:
    """A class position in [0, count), drawn as bits.

    For every integer it draws, hypothesis may consult constants it gathers
    from the caller's source files, and caches them under `.hypothesis/`; for
    booleans it does not. Drawing bits keeps the search from writing files.
    The bits are a binary number, most significant first, scaled onto
    [0, count), so shrinking bits towards false moves the position towards 0.
    As few bits as will do: each extra bit slows hypothesis down more than
    the evenness it buys is worth (with 3 classes, the first gets half).
    """
    from hypothesis import strategies as st

    if count == 1:
        return st.just(0)
    width = (count - 1).bit_length()

    def scale(bits: tuple[bool, ...]) -> int:
        number = sum(1 << (width - 1 - place) for place, bit in enumerate(bits) if bit)
        return (number * count) >> width

    return st.tuples(*(st.booleans() for _ in range(width))).map(scale)

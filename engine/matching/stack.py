"""Limit 4 of `engine.matching.limits`: the most alpha nodes durable_rules holds pending while it matches one message.

handleAlpha (events.c) walks the alpha network of a ruleset
(`engine.matching.network`) depth first, on a stack of MAX_STACK_SIZE = 64
nodes; past it, error 303, then the process aborts. `stack_peak` finds a
message that makes it hold more than a given number of nodes (the limit by
default), or says that none can. `Stack` searches the network for one:
each property's values are cut into a few cells on which every test of the
property is constant (`_Cells`), so the search is over cells, not values.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from typing import Any

from engine.matching.network import Network, Node, Typed, network_of
from engine.matching.rulesets import fnv1a32
from engine.records import record

MAX_STACK = 64


class _Cells:
    """Every value of one property as a few cells, on each of which every test of the property is constant.

    With `domain` (every value the property can take), each value is a
    cell. Otherwise numbers are cut at the tested values (below, at and
    between them, above), strings are the tested ones and "any other";
    mixed or ordered strings are one cell on which every test counts as
    true (an over-estimate, so still a bound).
    """

    def __init__(self, tests: list[tuple[str, Typed]], domain: Sequence[float] | None) -> None:
        kinds = {value[0] for _, value in tests}
        self.exact = True
        self.reps: list[Any]
        if kinds <= {"int", "double"}:
            if domain is not None:
                self.reps = sorted(set(domain))
            else:  # below the lowest tested value, each one, between each two, above the highest
                points = sorted({value[1] for _, value in tests})
                self.reps = [points[0] - 1]
                for low, high in itertools.pairwise(points):
                    self.reps += [low, (low + high) / 2]
                self.reps += [points[-1], points[-1] + 1]
        elif kinds == {"string"} and all(op in ("=", "!=") for op, _ in tests):
            self.reps = [*sorted({value[1] for _, value in tests}), None]  # None: any other string
        else:
            self.exact = False
            self.reps = [None]

    def truth(self, op: str, value: Typed) -> list[int]:
        """1 where the test holds, by cell."""
        if not self.exact:
            return [1]
        reps = self.reps
        if reps[-1] is None:  # strings, and "any other"
            return [int((rep == value[1]) == (op == "=")) for rep in reps]
        size = len(reps)
        below = bisect_left(reps, value[1])  # cells below the value
        upto = bisect_right(reps, value[1])  # cells up to and at it
        if op == "<":
            return [1] * below + [0] * (size - below)
        if op == "<=":
            return [1] * upto + [0] * (size - upto)
        if op == ">":
            return [0] * upto + [1] * (size - upto)
        if op == ">=":
            return [0] * below + [1] * (size - below)
        at = [0] * below + [1] * (upto - below) + [0] * (size - upto)
        return at if op == "=" else [1 - cell for cell in at]


@record
class StackPeak:
    """A message that makes handleAlpha hold `count` nodes at once: a value per property it tests, and the rules pending."""

    count: int
    message: Mapping[str, Any]
    rules: tuple[str, ...]


class _Found(Exception):
    def __init__(self, peak: StackPeak) -> None:
        self.peak = peak


class Stack:
    """The most nodes handleAlpha (events.c) holds on its stack, over messages with these properties in this order.

    handleAlpha pops a node, pushes its forward nodes, then, property by
    property in the message's order, its children on that property that
    the message matches, in probe order, and goes on with the last pushed.
    So while it is at a node, the stack holds what each ancestor pushed
    before the child the walk went into, plus what this node pushes. Each
    test reads one property, so for one path the worst message is the
    worst value of each property on its own: with values cut into cells,
    a maximum of sums of small vectors. A subtree whose bound (what is
    pending plus the most its paths can push) is within the limit is not
    walked, and the walk stops at the first node past it.
    """

    def __init__(self, network: Network, message: Sequence[str], domains: Mapping[str, Sequence[float]], limit: int = MAX_STACK) -> None:
        tests: dict[str, list[tuple[str, Typed]]] = {}
        for node in network.nodes[1:]:
            if not node.forward:
                tests.setdefault(node.prop, []).append((node.op, node.value))
        self.root = network.root
        self.limit = limit
        self.cells = {prop: _Cells(found, domains.get(prop)) for prop, found in tests.items()}
        self.order = [prop for prop in dict.fromkeys(message) if prop in self.cells]
        self._truths: dict[int, list[int]] = {}
        self._pushes: dict[int, dict[str, tuple[list[Node], list[int]]]] = {}
        self._most: dict[int, int] = {}

    def truth(self, node: Node) -> list[int]:
        found = self._truths.get(id(node))
        if found is None:
            found = self._truths[id(node)] = self.cells[node.prop].truth(node.op, node.value)
        return found

    def pushes(self, node: Node) -> dict[str, tuple[list[Node], list[int]]]:
        """The children a node may push, by property in message order, each with how many match in each cell."""
        found = self._pushes.get(id(node))
        if found is None:
            found = {}
            by_hash = node.by_property()
            for prop in self.order:
                children = by_hash.get(fnv1a32(prop))
                if children:
                    total = [0] * len(self.cells[prop].reps)
                    for child in children:
                        total = [a + b for a, b in zip(total, self.truth(child), strict=True)]
                    found[prop] = (children, total)
            self._pushes[id(node)] = found
        return found

    def most_below(self, node: Node) -> int:
        """The most that `node` and the nodes below it can push along any one path (a bound)."""
        found = self._most.get(id(node))
        if found is None:
            own = len(node.forwards) + sum(max(total) for _, total in self.pushes(node).values())
            below = [self.most_below(child) for child in (*node.forwards, *node.slots.values())]
            found = self._most[id(node)] = own + max(below, default=0)
        return found

    def peak(self) -> StackPeak | None:
        """A message that overflows the stack, or None when none can."""
        if self.most_below(self.root) <= self.limit:
            return None
        try:
            self.visit(self.root, 0, {}, {})
        except _Found as found:
            return found.peak
        return None

    def best(self, prop: str, pending: list[int] | None, own: list[int] | None, feasible: list[int] | None) -> tuple[int, int]:
        """The most this property adds to the stack, and in which cell, among the cells the path allows."""
        value, cell = 0, -1
        for index in range(len(self.cells[prop].reps)):
            if feasible is None or feasible[index]:
                here = (pending[index] if pending else 0) + (own[index] if own else 0)
                if cell < 0 or here > value:
                    value, cell = here, index
        return value, max(cell, 0)

    def visit(self, node: Node, const: int, pending: dict[str, list[int]], feasible: dict[str, list[int]]) -> None:
        loose = const + sum(max(counts) for counts in pending.values())
        if loose + self.most_below(node) <= self.limit:
            return
        pushes = self.pushes(node)
        here = const + len(node.forwards)
        cells: dict[str, int] = {}
        for prop in self.order:
            if prop in pending or prop in feasible or prop in pushes:
                value, cells[prop] = self.best(prop, pending.get(prop), pushes[prop][1] if prop in pushes else None, feasible.get(prop))
                here += value
        if here > self.limit:
            message = {prop: self.cells[prop].reps[cell] for prop, cell in cells.items()}
            rules = [forward.rule for forward in node.forwards]
            rules += [child.rule for prop, (children, _) in pushes.items() for child in children if self.truth(child)[cells[prop]]]
            raise _Found(StackPeak(here, message, tuple(dict.fromkeys(rules))))
        for index, forward in enumerate(node.forwards):
            self.visit(forward, const + index, pending, feasible)
        before = dict(pending)  # plus all this node pushes on the properties before the current one
        for prop, (children, total) in pushes.items():
            prefix = [0] * len(total)
            for child in children:
                truth = self.truth(child)
                allowed = feasible.get(prop)
                narrowed = truth if allowed is None else [a & b for a, b in zip(allowed, truth, strict=True)]
                if any(narrowed):
                    inner = dict(before)
                    inner[prop] = _plus(pending.get(prop), prefix)
                    self.visit(child, const + len(node.forwards), inner, {**feasible, prop: narrowed})
                prefix = _plus(prefix, truth)
            before[prop] = _plus(pending.get(prop), total)


def _plus(first: list[int] | None, second: list[int]) -> list[int]:
    return list(second) if first is None else [a + b for a, b in zip(first, second, strict=True)]


def stack_peak(
    rules: Mapping[str, Any], message: Sequence[str], domains: Mapping[str, Sequence[float]] | None = None, *, limit: int = MAX_STACK
) -> StackPeak | None:
    """A message (its properties in `message` order) that makes handleAlpha hold more than `limit` nodes, or None.

    With the default limit, a message that overflows the stack for this
    ruleset; a lower one finds how close to the limit a ruleset comes.
    """
    return Stack(network_of(rules), message, domains or {}, limit).peak()

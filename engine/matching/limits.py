"""What durable_rules 2.0.28 cannot hold, found before anything is registered.

durable_rules keeps its rule network in fixed-size C arrays (src/rules/ of
its sdist) and checks few of them: past a limit it raises, loops forever in
C where no interrupt reaches it, answers wrongly, or aborts the process.
`check_ruleset` rebuilds in Python the alpha network that `createTree`
(rete.c) makes of one ruleset, node for node and hash slot for hash slot,
and measures it against each limit. `limit_problems` does so for every
stratum of a program, on exactly the JSON `engine.matching.rulesets`
spells for the engine, and says in a user's words what is too big; a
program with problems runs on the compiled matcher instead
(`engine.pipeline`), and `DurableMatcher` refuses it. This module never
imports durable_rules. The thresholds were measured in subprocesses on
CPython 3.11; tests/test_durable_limits.py shows each one.

An alpha node is one test at one place of a pattern's `$and` chain: the
root, `kind == scenario` under it, each rule's first test under that, its
second under its first, and so on; rules that begin alike share nodes.
A pattern (`scn`, `f2`, `n3$not`) hangs off the node its tests end at; an
`$or` (our `in`) makes a fresh forward node hung off each alternative. The
limits, per ruleset:

1. At most 511 distinct tests directly under one node. Its children live
   in one table of NEXT_BUCKET_LENGTH = 512 slots (rules.h), probed
   linearly with no exit when it is full: with 512, handleAlpha
   (events.c) loops forever on the first message; the 513th makes
   findAlpha (rete.c) loop forever at registration. Uninterruptible.
2. At most 255 patterns ending at one node: its betaList of
   BETA_LIST_LENGTH = 256 entries (rules.h) is zero-terminated and
   linkAlpha (rete.c) checks for overflow one entry too late. At 256 the
   list has no end and handleAlpha reads past it (wrong answers, or a
   segfault); at 257, error 108 or a write past the list.
3. At most 127 `$or` with the same alternative at one place: the
   alternative's nextList (NEXT_LIST_LENGTH = 128) has the same flaw.
4. At most 64 nodes pending at once while a scenario is matched:
   handleAlpha pushes every forward node and every matching child before
   it descends, on a stack of MAX_STACK_SIZE = 64 (events.c). Past it,
   error 303; then deleting the state frees a pointer that was never set
   (deleteStateNode, state.c) and the process aborts.
5. At most 15 `$and`/`$or` in one pattern (each `in`/`not_in` is one, the
   pattern's own `$and` another): two entries each in an expressionSequence
   of MAX_SEQUENCE_EXPRESSIONS = 32 (rete.h); error 113 at registration.
6. At most 16 positive patterns in one rule (the scenario and each fact it
   needs): a partial match holds MAX_MESSAGE_FRAMES = 16 (state.h); error
   304 when the rule matches, then the abort of 4.
7. At most 4096 rules in one ruleset: MAX_ACTIONS (rete.c); error 106.
8. At most 251 variables: a fact holds MAX_OBJECT_PROPERTIES = 255
   properties (state.h), the scenario's `sid`, `kind` and the generated
   `id` included, and the 255th fails: error 302 when the scenario is sent.
9. Property names are compared by their 32-bit FNV-1a hash only (findAlpha,
   handleAlpha, getObjectProperty): two names with one hash are one
   property, and answers are wrong. `property_names` rules this out for our
   names; the check stays for any ruleset given here.

A shape outside what the rebuild models (another operator, a nested `$or`,
a value that is not a number or a string, ...) is reported as a problem,
never passed: the checks only vouch for what they understand.
"""

from __future__ import annotations

import itertools
import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from typing import Any

from engine.errors import InputError
from engine.language import VarTest
from engine.matching.compile import Program
from engine.matching.rulesets import SENTINEL, Codes, fnv1a32, ruleset, scenario_keys
from engine.records import record

NEXT_BUCKET_LENGTH = 512
HASH_MASK = 0x1F
MAX_CHILDREN = NEXT_BUCKET_LENGTH - 1
MAX_PATTERNS_AT_NODE = 255
MAX_OR_AT_NODE = 127
MAX_STACK = 64
MAX_GROUPS = 15
MAX_POSITIVE_PATTERNS = 16
MAX_RULES = 4096
MAX_VARIABLES = 251
ENGINE_PROPERTIES = ("sid", "id", "$s", "$forward")
"""Property names durable_rules itself uses (events.c, state.c, rete.c)."""

_OPERATORS = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">=", "$neq": "!="}
_VERDICTS: dict[int, tuple[Program, tuple[str, ...]]] = {}
"""The verdicts on the last few programs, by identity (each entry holds its program, so an id is not reused meanwhile)."""
_KEEP = 8
_LOCK = threading.Lock()


@record
class Excess:
    """One way a ruleset goes past a limit of durable_rules.

    `limit` is the number in this module's list (0: a shape the checks do
    not model), `count` what the ruleset has and `maximum` what
    durable_rules holds, `text` says both in words, and `rules` names the
    ruleset's rules involved, in the order the engine meets them.
    """

    limit: int
    count: int
    maximum: int
    text: str
    rules: tuple[str, ...] = ()


class NotModelled(Exception):
    """A part of a ruleset the rebuilt network does not model."""


# --- the alpha network, as createTree (rete.c) builds it ------------------------------------------


Typed = tuple[str, Any]


def _typed(value: Any) -> Typed:
    """A test's value as the engine types it (json.c): booleans, whole numbers, other numbers and strings differ."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise NotModelled(f"{value} does not fit the engine's 64-bit whole numbers")
        return ("int", value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotModelled(f"a test against {value}")
        return ("double", value)
    if isinstance(value, str):
        return ("string", value)
    raise NotModelled(f"a test against {value!r}, which is not a number or a string")


class _Node:
    """An alpha node: one test (`prop op value`), the root, or the forward node of an `$or`."""

    __slots__ = ("betas", "children", "depth", "forward", "forwards", "hash", "op", "prop", "rule", "skip", "slot", "slots", "value")

    def __init__(self, prop: str, op: str, value: Typed, rule: str, depth: int, forward: bool = False) -> None:
        self.prop = prop
        self.hash = fnv1a32(prop)
        self.op = op
        self.value = value
        self.rule = rule  # the first rule whose pattern made it
        self.depth = depth
        self.forward = forward
        self.slot = 0  # where it sits in its parent's table
        self.children: dict[tuple[int, str, Typed], _Node] = {}  # by (name hash, operator, value), as findAlpha compares
        self.slots: dict[int, _Node] = {}  # the 512-slot table, sparse; given up once it overflows
        self.skip: dict[int, int] = {}  # from a taken slot to a later one with every slot between taken (faster probes)
        self.forwards: list[_Node] = []  # the nextList: forward nodes of the `$or`s this node is an alternative of
        self.betas: list[str] = []  # the betaList: "rule/alias" of each pattern ending here

    def free_slot(self, start: int) -> int:
        """The first free slot from `start` on, as findAlpha's linear probe finds it."""
        entry, passed = start, []
        while entry in self.slots:
            passed.append(entry)
            entry = self.skip.get(entry, (entry + 1) % NEXT_BUCKET_LENGTH)
        for taken in passed:
            self.skip[taken] = entry
        return entry

    def by_property(self) -> dict[int, list[_Node]]:
        """The children by property hash, each in the order handleAlpha's probe from `hash & HASH_MASK` meets them."""
        found: dict[int, list[_Node]] = {}
        for child in self.slots.values():
            found.setdefault(child.hash, []).append(child)
        for prop_hash, children in found.items():
            children.sort(key=lambda child: (child.slot - (prop_hash & HASH_MASK)) % NEXT_BUCKET_LENGTH)
        return found


class _Network:
    """createTree, createAlpha and findAlpha of rete.c, in Python, for the shapes our rulesets take."""

    def __init__(self) -> None:
        self.root = _Node("", "root", ("root", None), "", 0)
        self.nodes: list[_Node] = [self.root]
        self.excesses: list[Excess] = []
        self.props: dict[str, list[str]] = {}  # property -> rules testing it

    def child(self, parent: _Node, prop: str, op: str, value: Typed, rule: str) -> _Node:
        """findAlpha: the child of `parent` for this test, made and put in the first free slot if new."""
        self.props.setdefault(prop, []).append(rule)
        key = (fnv1a32(prop), op, value)
        found = parent.children.get(key)
        if found is not None:
            return found
        node = _Node(prop, op, value, rule, parent.depth + 1)
        parent.children[key] = node
        self.nodes.append(node)
        if len(parent.children) > NEXT_BUCKET_LENGTH:
            parent.slots.clear()  # findAlpha would loop forever here: no table left to model, only the count
        else:
            node.slot = parent.free_slot(key[0] & HASH_MASK)
            parent.slots[node.slot] = node
        return node

    def test(self, test: Any, parent: _Node, rule: str, groups: list[int]) -> _Node:
        """createAlpha: the node the chain of `test` ends at, under `parent`."""
        if not isinstance(test, Mapping) or len(test) != 1:
            raise NotModelled(f"a test that is not a one-key object: {test!r}")
        ((name, body),) = test.items()
        if name in ("$and", "$or"):
            if not isinstance(body, list) or not body:
                raise NotModelled(f"{name} without a list of tests")
            groups[0] += 1
            if name == "$and":
                for item in body:
                    parent = self.test(item, parent, rule, groups)
                return parent
            forward = _Node("", "forward", ("forward", len(self.nodes)), rule, parent.depth + 1, forward=True)
            self.nodes.append(forward)
            for item in body:
                if isinstance(item, Mapping) and len(item) == 1 and next(iter(item)) in ("$and", "$or"):
                    raise NotModelled(f"{next(iter(item))} inside $or")
                self.test(item, parent, rule, groups).forwards.append(forward)
            return forward
        if name in _OPERATORS:
            if not isinstance(body, Mapping) or len(body) != 1:
                raise NotModelled(f"{name} without one property to compare")
            ((prop, value),) = body.items()
            op = _OPERATORS[name]
        elif name.startswith("$"):
            raise NotModelled(f"the operator {name}")
        else:
            prop, value, op = name, body, "="
        if not isinstance(prop, str) or prop.startswith("$"):
            raise NotModelled(f"the property {prop!r}")
        return self.child(parent, prop, op, _typed(value), rule)

    def rule(self, name: str, rule: Any) -> None:
        """createBeta for each pattern of one rule: its tests from the root, the pattern linked where they end."""
        if not isinstance(rule, Mapping) or set(rule) - {"all", "run", "pri"} or not isinstance(rule.get("all"), list) or not rule["all"]:
            raise NotModelled(f"rule {name}: only a non-empty 'all' of patterns is modelled")
        positive = 0
        aliases: set[str] = set()
        for index, pattern in enumerate(rule["all"]):
            if not isinstance(pattern, Mapping) or len(pattern) != 1:
                raise NotModelled(f"rule {name}: a pattern that is not a one-key object")
            ((alias, body),) = pattern.items()
            negated = alias.endswith("$not")
            bare = alias.removesuffix("$not")
            if "$" in bare or bare in aliases or (negated and index == 0):
                raise NotModelled(f"rule {name}: the pattern {alias}")
            aliases.add(bare)
            positive += not negated
            groups = [0]
            self.test(body, self.root, name, groups).betas.append(f"{name}/{alias}")
            if groups[0] > MAX_GROUPS:
                what = "and/or groups in one pattern (one per in/not_in test and one for the pattern)"
                text = f"{groups[0]} {what}, durable_rules holds {MAX_GROUPS}"
                self.excesses.append(Excess(5, groups[0], MAX_GROUPS, text, (name,)))
        if positive > MAX_POSITIVE_PATTERNS:
            text = f"{positive} patterns in one rule (the scenario and each fact it needs), durable_rules holds {MAX_POSITIVE_PATTERNS}"
            self.excesses.append(Excess(6, positive, MAX_POSITIVE_PATTERNS, text, (name,)))


def _place(node: _Node) -> str:
    """Where a node is, in the words of our rulesets."""
    if node.prop == "kind" and node.depth == 1:
        return "the scenario" if node.value == ("string", "scenario") else f"facts of kind {node.value[1]}"
    if node.prop == "name" and node.depth == 2:
        return f"the fact {node.value[1]}"
    if node.forward:
        return "an in test"
    return f"one test ({node.prop} {node.op} {node.value[1]})"


def _table_excesses(network: _Network) -> list[Excess]:
    """Limits 1 to 3: the children, the patterns and the `$or`s at each node, in the order the nodes were made."""
    found: list[Excess] = []
    for node in network.nodes:
        children = len(node.children)
        if children > MAX_CHILDREN:
            if node.prop == "kind" and node.value == ("string", "scenario"):
                what = "distinct first tests of the rules"
            elif node.prop == "kind":
                what = "distinct facts read"
            else:
                what = f"distinct tests right after {_place(node)}"
            rules = tuple(dict.fromkeys(child.rule for child in node.children.values()))
            found.append(Excess(1, children, MAX_CHILDREN, f"{children} {what}, durable_rules holds {MAX_CHILDREN}", rules))
        if len(node.betas) > MAX_PATTERNS_AT_NODE:
            if node.prop == "kind" and node.value == ("string", "scenario"):
                what = "patterns test nothing but the scenario (rules without a variable test, the sentinel included)"
            elif node.prop == "name":
                what = f"patterns read {_place(node)}"
            else:
                what = f"patterns end at {_place(node)} (rules with the same tests)"
            rules = tuple(dict.fromkeys(beta.rsplit("/", 1)[0] for beta in node.betas))
            text = f"{len(node.betas)} {what}, durable_rules holds {MAX_PATTERNS_AT_NODE}"
            found.append(Excess(2, len(node.betas), MAX_PATTERNS_AT_NODE, text, rules))
        if len(node.forwards) > MAX_OR_AT_NODE:
            rules = tuple(dict.fromkeys(forward.rule for forward in node.forwards))
            text = f"{len(node.forwards)} in tests share {_place(node)} as an alternative, durable_rules holds {MAX_OR_AT_NODE}"
            found.append(Excess(3, len(node.forwards), MAX_OR_AT_NODE, text, rules))
    return found


def _hash_excesses(network: _Network, message: Sequence[str]) -> list[Excess]:
    """Limit 9: names of properties (the rules' and the message's) whose hashes are equal."""
    found: list[Excess] = []
    first: dict[int, str] = {}
    for prop in sorted({*network.props, *message, *ENGINE_PROPERTIES}):
        other = first.setdefault(fnv1a32(prop), prop)
        if other != prop:
            rules = tuple(dict.fromkeys([*network.props.get(other, ()), *network.props.get(prop, ())]))
            text = f"2 property names with one 32-bit hash ({other}, {prop}), durable_rules tells 1 apart"
            found.append(Excess(9, 2, 1, text, rules))
    return found


# --- the evaluation stack ----------------------------------------------------------------------------


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


class _Stack:
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

    def __init__(self, network: _Network, message: Sequence[str], domains: Mapping[str, Sequence[float]], limit: int = MAX_STACK) -> None:
        tests: dict[str, list[tuple[str, Typed]]] = {}
        for node in network.nodes[1:]:
            if not node.forward:
                tests.setdefault(node.prop, []).append((node.op, node.value))
        self.root = network.root
        self.limit = limit
        self.cells = {prop: _Cells(found, domains.get(prop)) for prop, found in tests.items()}
        self.order = [prop for prop in dict.fromkeys(message) if prop in self.cells]
        self._truths: dict[int, list[int]] = {}
        self._pushes: dict[int, dict[str, tuple[list[_Node], list[int]]]] = {}
        self._most: dict[int, int] = {}

    def truth(self, node: _Node) -> list[int]:
        found = self._truths.get(id(node))
        if found is None:
            found = self._truths[id(node)] = self.cells[node.prop].truth(node.op, node.value)
        return found

    def pushes(self, node: _Node) -> dict[str, tuple[list[_Node], list[int]]]:
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

    def most_below(self, node: _Node) -> int:
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

    def visit(self, node: _Node, const: int, pending: dict[str, list[int]], feasible: dict[str, list[int]]) -> None:
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
    return _Stack(_build(rules), message, domains or {}, limit).peak()


def _build(rules: Mapping[str, Any]) -> _Network:
    network = _Network()
    for name, rule in rules.items():
        network.rule(str(name), rule)
    return network


# --- the checks ----------------------------------------------------------------------------------------


def check_ruleset(
    rules: Mapping[str, Any], *, message: Sequence[str] | None = None, domains: Mapping[str, Sequence[float]] | None = None
) -> list[Excess]:
    """Every way one ruleset (a rule name -> rule mapping, in registration order) goes past durable_rules' limits.

    `message`: the properties of the facts it will be sent, in the order
    they are sent (default: `sid`, `kind`, then every other property the
    rules test, sorted), for limits 4, 8 and 9. `domains`: every value a
    property can take, where known, for a tighter bound in limit 4.
    """
    found: list[Excess] = []
    if len(rules) > MAX_RULES:
        found.append(Excess(7, len(rules), MAX_RULES, f"{len(rules)} rules in one ruleset, durable_rules holds {MAX_RULES}"))
    try:
        network = _build(rules)
    except NotModelled as reason:
        text = f"a shape these checks do not model ({reason}), so durable_rules is not trusted with it"
        return [*found, Excess(0, 0, 0, text)]
    if message is None:
        message = ["sid", "kind", *sorted(prop for prop in network.props if prop not in ("sid", "kind"))]
    found += network.excesses
    tables = _table_excesses(network)
    found += tables
    found += _hash_excesses(network, message)
    variables = len([prop for prop in dict.fromkeys(message) if prop not in ("sid", "kind", "name", *ENGINE_PROPERTIES)])
    if variables > MAX_VARIABLES:
        text = f"{variables} variables in the scenario, durable_rules holds {MAX_VARIABLES} in one fact"
        found.append(Excess(8, variables, MAX_VARIABLES, text))
    if not any(excess.limit == 1 for excess in tables):
        peak = _Stack(network, message, domains or {}).peak()
        if peak is not None:
            text = f"tests pending at once for some scenario, durable_rules holds {MAX_STACK}"
            found.append(Excess(4, peak.count, MAX_STACK, f"{peak.count} {text}", peak.rules))
    return sorted(found, key=lambda excess: excess.limit)


def domains_of(program: Program, codes: Codes) -> dict[str, list[float]]:
    """Every code each variable's property can take: one per class of values its tests tell apart."""
    thresholds: dict[str, list[Any]] = {name: [] for name in program.kinds}
    for literal in program.literals():
        if isinstance(literal, VarTest):
            thresholds[literal.var].extend(literal.values)
    return {
        codes.property(name): sorted({codes.code(name, kind.rank(value)) for value in kind.representatives(thresholds[name])})
        for name, kind in program.kinds.items()
    }


def _involved(names: Sequence[str], shown: int = 3) -> str:
    ids = list(dict.fromkeys(name.split("#", 1)[0] for name in names if name != SENTINEL))
    if not ids:
        return ""
    more = ", …" if len(ids) > shown else ""
    return f" ({'rule' if len(ids) == 1 else 'rules'} {', '.join(ids[:shown])}{more})"


def program_problems(program: Program) -> list[str]:
    """`limit_problems` without the memory of verdicts: each stratum checked now."""
    codes = Codes(program)
    message = ["sid", "kind", "name", *scenario_keys(program, codes)[1:]]
    domains = domains_of(program, codes)
    problems: list[str] = []
    if len(program.kinds) > MAX_VARIABLES:
        problems.append(f"the scenario: {len(program.kinds)} variables, durable_rules holds {MAX_VARIABLES} in one fact")
    for stratum in program.strata:
        for excess in check_ruleset(ruleset(stratum, program, codes), message=message, domains=domains):
            if excess.limit != 8:  # said once, above
                problems.append(f"stratum {stratum.index}: {excess.text}{_involved(excess.rules)}")
    return problems


def limit_problems(program: Program) -> list[str]:
    """Each way `program` goes past what durable_rules can run, one line each; empty when it fits.

    The verdict on a program is remembered (and the cache stores it with
    the program), so an engine and its matcher check once.
    """
    known = _VERDICTS.get(id(program))
    if known is not None and known[0] is program:
        return list(known[1])
    problems = program_problems(program)
    remember(program, problems)
    return problems


def remember(program: Program, problems: Sequence[str]) -> None:
    """Take `problems` as the verdict on `program` (from the cache, which stored what `limit_problems` found)."""
    with _LOCK:
        while len(_VERDICTS) >= _KEEP:
            del _VERDICTS[next(iter(_VERDICTS))]
        _VERDICTS[id(program)] = (program, tuple(problems))


def require_within_limits(program: Program) -> None:
    """Raise `InputError` with the first problem when `program` is beyond durable_rules' limits."""
    problems = limit_problems(program)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(
            f"durable_rules cannot run this rule base: {problems[0]}{more}",
            suggestion="Engine.open and Engine.on run it on the compiled matcher, which gives the same answers",
        )

"""The alpha network durable_rules 2.0.28 makes of one ruleset, rebuilt in Python, and the limits its tables break.

`Network` is createTree, createAlpha and findAlpha of rete.c for the shapes
our rulesets take: a `Node` for each test at each place of a pattern's
`$and` chain (rules that begin alike share nodes), in the slot of its
parent's 512-slot table that findAlpha's linear probe gives it, with the
patterns that end at it (its betaList) and the forward nodes of the `$or`s
it is an alternative of (its nextList). The numbers of the limits are those
of the list in `engine.matching.limits`. While it builds, the network notes
each pattern with too many `$and`/`$or` groups (limit 5) and each rule with
too many positive patterns (limit 6); `table_excesses` finds the nodes with
too many children, patterns or `$or`s (limits 1 to 3), and `hash_excesses`
the property names that share a hash (limit 9). A shape the rebuild does
not model raises `NotModelled`. `engine.matching.stack` walks the same
network for limit 4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from engine.matching.rulesets import fnv1a32
from engine.records import record

NEXT_BUCKET_LENGTH = 512
HASH_MASK = 0x1F
MAX_CHILDREN = NEXT_BUCKET_LENGTH - 1
MAX_PATTERNS_AT_NODE = 255
MAX_OR_AT_NODE = 127
MAX_GROUPS = 15
MAX_POSITIVE_PATTERNS = 16
ENGINE_PROPERTIES = ("sid", "id", "$s", "$forward")
"""Property names durable_rules itself uses (events.c, state.c, rete.c)."""

_OPERATORS = {"$lt": "<", "$lte": "<=", "$gt": ">", "$gte": ">=", "$neq": "!="}


@record
class Excess:
    """One way a ruleset goes past a limit of durable_rules.

    `limit` is the number in the list of `engine.matching.limits` (0: a
    shape the checks do not model), `count` what the ruleset has and
    `maximum` what durable_rules holds, `text` says both in words, and
    `rules` names the ruleset's rules involved, in the order the engine
    meets them.
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


class Node:
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
        self.children: dict[tuple[int, str, Typed], Node] = {}  # by (name hash, operator, value), as findAlpha compares
        self.slots: dict[int, Node] = {}  # the 512-slot table, sparse; given up once it overflows
        self.skip: dict[int, int] = {}  # from a taken slot to a later one with every slot between taken (faster probes)
        self.forwards: list[Node] = []  # the nextList: forward nodes of the `$or`s this node is an alternative of
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

    def by_property(self) -> dict[int, list[Node]]:
        """The children by property hash, each in the order handleAlpha's probe from `hash & HASH_MASK` meets them."""
        found: dict[int, list[Node]] = {}
        for child in self.slots.values():
            found.setdefault(child.hash, []).append(child)
        for prop_hash, children in found.items():
            children.sort(key=lambda child: (child.slot - (prop_hash & HASH_MASK)) % NEXT_BUCKET_LENGTH)
        return found


class Network:
    """createTree, createAlpha and findAlpha of rete.c, in Python, for the shapes our rulesets take."""

    def __init__(self) -> None:
        self.root = Node("", "root", ("root", None), "", 0)
        self.nodes: list[Node] = [self.root]
        self.excesses: list[Excess] = []
        self.props: dict[str, list[str]] = {}  # property -> rules testing it

    def child(self, parent: Node, prop: str, op: str, value: Typed, rule: str) -> Node:
        """findAlpha: the child of `parent` for this test, made and put in the first free slot if new."""
        self.props.setdefault(prop, []).append(rule)
        key = (fnv1a32(prop), op, value)
        found = parent.children.get(key)
        if found is not None:
            return found
        node = Node(prop, op, value, rule, parent.depth + 1)
        parent.children[key] = node
        self.nodes.append(node)
        if len(parent.children) > NEXT_BUCKET_LENGTH:
            parent.slots.clear()  # findAlpha would loop forever here: no table left to model, only the count
        else:
            node.slot = parent.free_slot(key[0] & HASH_MASK)
            parent.slots[node.slot] = node
        return node

    def test(self, test: Any, parent: Node, rule: str, groups: list[int]) -> Node:
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
            forward = Node("", "forward", ("forward", len(self.nodes)), rule, parent.depth + 1, forward=True)
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


def _place(node: Node) -> str:
    """Where a node is, in the words of our rulesets."""
    if node.prop == "kind" and node.depth == 1:
        return "the scenario" if node.value == ("string", "scenario") else f"facts of kind {node.value[1]}"
    if node.prop == "name" and node.depth == 2:
        return f"the fact {node.value[1]}"
    if node.forward:
        return "an in test"
    return f"one test ({node.prop} {node.op} {node.value[1]})"


def table_excesses(network: Network) -> list[Excess]:
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


def hash_excesses(network: Network, message: Sequence[str]) -> list[Excess]:
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


def network_of(rules: Mapping[str, Any]) -> Network:
    """The network createTree makes of one ruleset (a rule name -> rule mapping, in registration order)."""
    network = Network()
    for name, rule in rules.items():
        network.rule(str(name), rule)
    return network

"""Counting classes on the compiled program: which parts of a class's flags decide each finding, and how often each value occurs.

A forecast holds far more than the search needs. What a class shows (its
self-conflicts, disagreements, broken invariants, which rules fire) depends
only on which branches fired, and on the tests of invariant conditions:
the compiled program, generated for the scenario space (`plan`, `build`),
turns a class's index into one flag per branch and per such test, a few
microseconds a class. And each kind of finding depends on a part of those
flags only, a component:

- a question: the flags of the branches of its stance rules (its
  self-conflicts, disagreements and views that point both ways, under
  every lexicon);
- an invariant: those of its question, its condition's tests, and the
  branches deriving the facts its condition reads;
- an expert: the branches of their rules (which rule fires where: dead and
  shadowed rules). An expert with more than `GROUP` rules gets a component
  per rule, and one per pair of rules where one may shadow the other.

For each component `count_chunk` keeps, for each distinct value of its
flags, how many classes have it and the first class, in simplicity order,
that has it: the smallest. A few distinct values each, whatever the size of
the space; memory grows with them, never with the classes. A plan is plain
data, so worker processes count chunks of it (`count_part`).
"""

from __future__ import annotations

import hashlib
import math
import pickle
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from engine.consistency.findings import implies
from engine.language import FactRef, StanceClaim, VarTest, leaves
from engine.matching.compile import Program
from engine.matching.compiled import define, generate
from engine.pipeline import Engine
from engine.records import record, replace
from engine.space import ScenarioSpace

if TYPE_CHECKING:
    from array import array

GROUP = 12
"""An expert with at most this many rules is one component (at most 2**GROUP values of its flags)."""
CHUNK = 4_096
"""The most classes a chunk holds; a small space is tried class by class, as budgets and progress expect."""
BLOCK = 512
"""Classes counted at once within a chunk."""

Sub = Any
"""A component's part of a class's flags: a bool for a one-flag component, else a tuple of bools."""
Counted = list[dict[Sub, tuple[int, int]]]
"""For each component, each value of its flags met: how many classes, and the position of the first."""


@record
class Component:
    """A part of the flags, what it decides (`kind`, `owner`), and for an expert's part where each rule's branches are in it."""

    kind: str
    """"question", "invariant" or "rules"."""
    owner: str
    positions: tuple[int, ...]
    rules: Mapping[str, tuple[int, ...]]
    source: int | None = None
    """A component whose flags are all in another's is not counted: its counts are that one's, projected (`places`)."""
    places: tuple[int, ...] = ()


@record
class Plan:
    """What sweeping a space needs, all of it picklable: the program, each class's rank, the tests, the components."""

    program: Program
    variables: tuple[str, ...]
    ranks: tuple[tuple[float, ...], ...]
    tests: tuple[VarTest, ...]
    components: tuple[Component, ...]
    counted: tuple[int, ...]
    """The components counted class by class; the others are projections of one of them."""


def plan(engine: Engine, space: ScenarioSpace) -> Plan:
    """The plan of a rule base's space (see the module docstring for the components)."""
    rule_base, program = engine.rule_base, engine.program
    firings = generate(program, flags=True)[1]
    branches: dict[str, list[int]] = {}
    for position, firing in enumerate(firings):
        branches.setdefault(firing.rule_id, []).append(position)
    tests = tuple(
        dict.fromkeys(
            leaf.node
            for invariant in rule_base.checks.invariants
            if invariant.when is not None
            for leaf in leaves(invariant.when)
            if isinstance(leaf.node, VarTest)
        )
    )
    test_position = {test: len(firings) + index for index, test in enumerate(tests)}

    def stance_positions(question: str) -> set[int]:
        return {
            position
            for rule in rule_base.rules
            if isinstance(rule.then, StanceClaim) and rule.then.question == question
            for position in branches.get(rule.id, ())
        }

    components: list[Component] = []
    for question in rule_base.vocabulary.questions:
        positions = stance_positions(question)
        if positions:
            components.append(Component("question", question, tuple(sorted(positions)), {}))
    for invariant in rule_base.checks.invariants:
        positions = stance_positions(invariant.require.question)
        if invariant.when is not None:
            for leaf in leaves(invariant.when):
                if isinstance(leaf.node, VarTest):
                    positions.add(test_position[leaf.node])
                elif isinstance(leaf.node, FactRef):
                    positions |= {
                        position
                        for rule_id, fact in program.rule_facts.items()
                        if fact == leaf.node.fact
                        for position in branches.get(rule_id, ())
                    }
        if positions:
            components.append(Component("invariant", invariant.name, tuple(sorted(positions)), {}))
    by_expert: dict[str, list[str]] = {}
    for rule in sorted(rule_base.rules, key=lambda rule: rule.id):
        by_expert.setdefault(rule.expert, []).append(rule.id)
    for expert, rule_ids in by_expert.items():
        if len(rule_ids) <= GROUP:
            components.append(_rules_component(expert, rule_ids, branches))
            continue
        components += [_rules_component(rule_id, [rule_id], branches) for rule_id in rule_ids]
        for one, other in _candidate_pairs(engine, rule_ids):
            components.append(_rules_component(f"{one} {other}", [one, other], branches))
    counted: list[int] = []
    for index in sorted(range(len(components)), key=lambda index: (-len(components[index].positions), index)):
        positions = set(components[index].positions)
        source = next((base for base in counted if positions <= set(components[base].positions)), None)
        if source is None:
            counted.append(index)
        else:
            places = tuple(components[source].positions.index(position) for position in components[index].positions)
            components[index] = replace(components[index], source=source, places=places)
    return Plan(
        program=program,
        variables=tuple(space.classes),
        ranks=tuple(tuple(space.vocabulary.kinds[name].rank(value) for value in values) for name, values in space.classes.items()),
        tests=tests,
        components=tuple(components),
        counted=tuple(sorted(counted)),
    )


def _rules_component(owner: str, rule_ids: Sequence[str], branches: Mapping[str, list[int]]) -> Component:
    positions = tuple(sorted(position for rule_id in rule_ids for position in branches.get(rule_id, ())))
    where = {rule_id: tuple(positions.index(position) for position in branches.get(rule_id, ())) for rule_id in rule_ids}
    return Component("rules", owner, positions, where)


def _candidate_pairs(engine: Engine, rule_ids: Sequence[str]) -> Iterator[tuple[str, str]]:
    """Pairs of one expert's rules where one may shadow the other (its conclusion says as much), each pair once."""
    rule = engine.rule_base.rule
    for index, one in enumerate(rule_ids):
        for other in rule_ids[index + 1 :]:
            if implies(engine.rule_base, rule(one), rule(other)) or implies(engine.rule_base, rule(other), rule(one)):
                yield one, other


def build(plan: Plan) -> tuple[Callable[[int], tuple[bool, ...]], list[Callable[[tuple[bool, ...]], Sub]]]:
    """The generated `run(index)` of a plan (the flags of the class at that index) and a getter per component."""
    counts = [len(ranks) for ranks in plan.ranks]
    strides = [math.prod(counts[place + 1 :]) for place in range(len(counts))]
    namespace: dict[str, Any] = {}
    reads: dict[str, str] = {}
    for place, name in enumerate(plan.variables):
        namespace[f"R{place}"] = plan.ranks[place]
        if counts[place] == 1:
            reads[name] = f"R{place}[0]"
        elif strides[place] == 1:
            reads[name] = f"R{place}[i % {counts[place]}]"
        else:
            reads[name] = f"R{place}[i // {strides[place]} % {counts[place]}]"
    source, _ = generate(plan.program, header=("def run(i):",), reads=reads, flags=True, tests=plan.tests)
    run: Callable[[int], tuple[bool, ...]] = define(source, namespace)
    return run, [_getter(plan.components[index].positions) for index in plan.counted]


def _nothing(flags: tuple[bool, ...]) -> Sub:
    return ()


def _getter(positions: tuple[int, ...]) -> Callable[[tuple[bool, ...]], Sub]:
    """A component's part of the flags; an expert whose only rules can never fire (no branch) has none."""
    return itemgetter(*positions) if positions else _nothing


def count_chunk(
    run: Callable[[int], tuple[bool, ...]], getters: Sequence[Callable[[Any], Sub]], indices: Sequence[int], start: int
) -> Counted:
    """The counts of a chunk of the order, whose first class is at position `start`.

    It goes `BLOCK` classes at a time: their flags stay in the processor's
    cache while each component reads its part of them.
    """
    counted: Counted = [{} for _ in getters]
    for offset in range(0, len(indices), BLOCK):
        flags = list(map(run, indices[offset : offset + BLOCK]))
        first_position = start + offset
        for tally, getter in zip(counted, getters, strict=True):
            subs = list(map(getter, flags))
            counts = Counter(subs)
            if len(counts) <= 8:
                firsts = {sub: first_position + subs.index(sub) for sub in counts}
            else:  # many values: one pass from the end leaves each value's first position
                firsts = dict(zip(reversed(subs), range(first_position + len(subs) - 1, first_position - 1, -1), strict=True))
            for sub, number in counts.items():
                found = tally.get(sub)
                tally[sub] = (number, firsts[sub]) if found is None else (found[0] + number, found[1])
    return counted


def shipped(plan: Plan) -> tuple[str, bytes]:
    payload = pickle.dumps(plan, protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.sha256(payload).hexdigest(), payload


_BUILT: dict[str, tuple[Callable[[int], tuple[bool, ...]], list[Callable[[Any], Sub]]]] = {}


def count_part(digest: str, payload: bytes, indices: array[int], start: int) -> Counted:
    """`count_chunk` in a worker process, which builds the plan's function once."""
    built = _BUILT.get(digest)
    if built is None:
        built = _BUILT[digest] = build(pickle.loads(payload))
    return count_chunk(*built, indices, start)

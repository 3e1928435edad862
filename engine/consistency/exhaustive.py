"""The exhaustive search on the compiled program: every class, simplest first, counted, never forecast.

A forecast holds far more than the search needs. What a class shows (its
self-conflicts, disagreements, broken invariants, which rules fire) depends
only on which branches fired, and on the tests of invariant conditions:
the compiled program, generated for the scenario space (`plan`), turns a
class's index into one flag per branch and per such test, a few
microseconds a class. And each kind of finding depends on a part of those
flags only, a component:

- a question: the flags of the branches of its stance rules (its
  self-conflicts, probabilistic self-conflicts and disagreements);
- an invariant: those of its question, its condition's tests, and the
  branches deriving the facts its condition reads;
- an expert: the branches of their rules (which rule fires where: dead and
  shadowed rules). An expert with more than `GROUP` rules gets a component
  per rule, and one per pair of rules where one may shadow the other.

For each component the sweep keeps, for each distinct value of its flags,
how many classes have it and the first class, in simplicity order, that
has it: the smallest. A few distinct values each, whatever the size of the
space; memory grows with them, never with the classes. What each value
shows is then asked of a full evaluation of its first class
(`Observer`), so the findings are those of the per-class search, word for
word, at a fraction of the cost.

The engine's own promises are checked as before, with the engine's own
matcher, on every `every`-th class in simplicity order. With `jobs`,
chunks of the order go to worker processes (`engine.parallel`) and their
counts are merged in order, so the report is the same, byte for byte.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from engine.consistency.findings import implies
from engine.consistency.search import Budget, Evidence, Key, Method, Observer, Progress, Search, sampled_promise
from engine.language import FactRef, StanceClaim, VarTest, leaves
from engine.matching.compile import Program
from engine.matching.compiled import CompiledMatcher, define, generate
from engine.matching.matcher import Matcher
from engine.pipeline import Engine
from engine.records import record, replace
from engine.space import Point, ScenarioSpace

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


def proven(matcher: Matcher) -> bool:
    """Whether a matcher is one the tests hold equal to the compiled program: the compiled one, or durable_rules."""
    if type(matcher) is CompiledMatcher:
        return True
    durable = sys.modules.get("engine.matching.durable")  # loaded when the matcher is a DurableMatcher
    return durable is not None and type(matcher) is durable.DurableMatcher


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
    return run, [itemgetter(*plan.components[index].positions) for index in plan.counted]


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


class Sweep(Search):
    """Every class, simplest first, on the compiled program: counts per component, findings from first classes."""

    method: Method = "exhaustive"

    def __init__(
        self, engine: Engine, space: ScenarioSpace, budget: Budget, progress: Progress | None, promise_sample: int, jobs: int = 1
    ) -> None:
        self.engine = engine
        self.space = space
        self.budget = budget
        self.progress = progress
        self.jobs = jobs
        self.order = space.order()
        self.total = len(self.order)
        self.step = max(1, math.ceil(self.total / max(1, promise_sample)))
        self.every = self.step
        self.plan = plan(engine, space)
        self.counted: Counted = [{} for _ in self.plan.counted]
        """For each counted component (`Plan.counted`), each value of its flags: how many classes, and the first."""
        self._tallies: dict[int, dict[Sub, tuple[int, int]]] = {}
        self.done = 0
        self.sample = Observer(engine, space, budget)
        """The engine itself, with its own matcher, on the sample: its promises (and whether it ends)."""
        compiled = (
            engine if type(engine.matcher) is CompiledMatcher else Engine(engine.rule_base, engine.program, CompiledMatcher(engine.program))
        )
        self.view = Observer(compiled, space)
        """Full evaluations of the first classes: what each value of a component shows, and the evidence."""
        self._shown: tuple[dict[Key, int], dict[Key, int]] | None = None
        self._home = {
            rule_id: index
            for index, component in enumerate(self.plan.components)
            if component.kind == "rules"
            for rule_id in component.rules
        }

    # --- exploring --------------------------------------------------------------------------

    def explore(self) -> None:
        from engine.parallel import workers

        if workers(self.jobs) > 1 and self.total > 1:
            self._explore_in_pool(workers(self.jobs))
            return
        run, getters = build(self.plan)
        size = max(1, min(CHUNK, self.total // 1_000))
        for start in range(0, self.total, size):
            self.budget.check()
            stop = min(self.total, start + size)
            self._merge(count_chunk(run, getters, self.order[start:stop], start), stop)

    def _explore_in_pool(self, jobs: int) -> None:
        from engine.parallel import process_pool

        digest, payload = shipped(self.plan)
        size = max(1, min(4 * CHUNK, math.ceil(self.total / (16 * jobs))))
        starts = iter(range(0, self.total, size))
        pending: deque[tuple[int, Future[Counted]]] = deque()
        with process_pool(jobs) as pool:
            while True:
                while len(pending) < 2 * jobs and (start := next(starts, None)) is not None:
                    self.budget.check()
                    stop = min(self.total, start + size)
                    pending.append((stop, pool.submit(count_part, digest, payload, self.order[start:stop], start)))
                if not pending:
                    return
                stop, future = pending.popleft()
                self._merge(self._wait(future), stop)

    def _wait(self, future: Future[Counted]) -> Counted:
        """A chunk's counts, checking the budget (and interrupts) while the workers count."""
        while True:
            try:
                return future.result(timeout=0.2)
            except FutureTimeout:
                self.budget.check()

    def _merge(self, counted: Counted, stop: int) -> None:
        """Add a chunk's counts (chunks come in order: a value's first position is its first chunk's); check the sample's promises."""
        for tally, part in zip(self.counted, counted, strict=True):
            for sub, (number, first) in part.items():
                found = tally.get(sub)
                tally[sub] = (number, first) if found is None else (found[0] + number, found[1])
        start, self.done = self.done, stop
        self._shown = None
        self._tallies.clear()
        for position in range(math.ceil(start / self.step) * self.step, stop, self.step):
            self.sample.observe(self._point(position), promises=True)
        if self.progress is not None:
            self.progress(stop, self.total)

    def _point(self, position: int) -> Point:
        return self.space.point(self.order[position])

    def tally(self, index: int) -> dict[Sub, tuple[int, int]]:
        """A component's counts: counted, or projected from the component that holds its flags."""
        component = self.plan.components[index]
        if component.source is None:
            return self.counted[self.plan.counted.index(index)]
        found = self._tallies.get(index)
        if found is None:
            found = {}
            for sub, (number, first) in self.tally(component.source).items():
                flags = sub if isinstance(sub, tuple) else (sub,)
                part = tuple(flags[place] for place in component.places)
                key = part[0] if len(part) == 1 else part
                seen = found.get(key)
                found[key] = (number, first) if seen is None else (seen[0] + number, min(seen[1], first))
            self._tallies[index] = found
        return found

    # --- what was found -----------------------------------------------------------------------

    @property
    def tried(self) -> int:
        return self.done

    @property
    def promise_checks(self) -> int:
        return self.sample.promise_checks

    def _keys(self) -> tuple[dict[Key, int], dict[Key, int]]:
        """Each key shown: in how many classes, and the first position that shows it."""
        if self._shown is None:
            counts: dict[Key, int] = {}
            firsts: dict[Key, int] = {}
            for index, component in enumerate(self.plan.components):
                if component.kind == "rules":
                    continue
                for number, first in self.tally(index).values():
                    for key in self.view.observe(self._point(first)).shows:
                        if _owner(key) == (component.kind, component.owner):
                            counts[key] = counts.get(key, 0) + number
                            firsts[key] = min(firsts.get(key, first), first)
            self._shown = counts, firsts
        return self._shown

    def keys(self) -> set[Key]:
        promised = self.sample.keys()
        return set(self._keys()[0]) | {key for key in promised if key[0] == "promise"}

    def count(self, key: Key) -> int:
        return self.sample.count(key) if key[0] == "promise" else self._keys()[0][key]

    def tried_for(self, key: Key) -> int:
        # Every promise, termination included, is the engine's own matcher's, checked on the sample; the classes ran compiled.
        if sampled_promise(key):
            return self.promise_checks
        return len(self.sample.points) if key[0] == "promise" else self.tried

    def first(self, key: Key) -> Point:
        return self.sample.first(key) if key[0] == "promise" else self._point(self._keys()[1][key])

    def smallest(self, key: Key) -> Point:
        return self.first(key)

    def evidence(self, key: Key, point: Point) -> Evidence:
        return self.sample.evidence(key, point) if key[0] == "promise" else self.view.evidence(key, point)

    def _fired(self, rule_id: str) -> Iterator[tuple[Sub, int, int, Component]]:
        """Each value of the rule's component where it fires: the value, its count, its first position, the component."""
        index = self._home[rule_id]
        component = self.plan.components[index]
        for sub, (number, first) in self.tally(index).items():
            if _fires(component, sub, rule_id):
                yield sub, number, first, component

    def fires(self, rule_id: str) -> int:
        return sum(number for _, number, _, _ in self._fired(rule_id))

    def first_firing(self, rule_id: str) -> Point:
        return self._point(min(first for _, _, first, _ in self._fired(rule_id)))

    def smallest_firing(self, rule_id: str) -> Point:
        return self.first_firing(rule_id)

    def _together(self, rule_id: str, other: str) -> tuple[Component, dict[Sub, tuple[int, int]]]:
        """The component that holds both rules: their expert's, or the pair's."""
        for index, component in enumerate(self.plan.components):
            if component.kind == "rules" and rule_id in component.rules and other in component.rules:
                return component, self.tally(index)
        raise KeyError(f"no component holds both {rule_id} and {other}: they cannot shadow each other")

    def covers(self, rule_id: str, other: str) -> bool:
        component, tally = self._together(rule_id, other)
        return all(_fires(component, sub, other) for sub in tally if _fires(component, sub, rule_id))

    def same(self, rule_id: str, other: str) -> bool:
        component, tally = self._together(rule_id, other)
        return all(_fires(component, sub, rule_id) == _fires(component, sub, other) for sub in tally)


def _fires(component: Component, sub: Sub, rule_id: str) -> bool:
    flags = sub if isinstance(sub, tuple) else (sub,)
    return any(flags[place] for place in component.rules[rule_id])


def _owner(key: Key) -> tuple[str, str] | None:
    """The component that decides a key: its question's, or its invariant's; None for a promise."""
    if key[0] in ("self-conflict", "probabilistic-self-conflict"):
        return "question", key[2]
    if key[0] == "disagreement":
        return "question", key[1]
    if key[0] == "invariant":
        return "invariant", key[1]
    return None

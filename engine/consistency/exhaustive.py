"""The exhaustive search on the compiled program: every class, simplest first, counted, never forecast.

The classes are counted per component (`engine.consistency.counting`):
for each question, invariant and expert, how many classes fired each
combination of the rules that decide it, and the first class that did.
What each combination shows is then asked of a full evaluation of its
first class (`Observer`), so the findings are those of the per-class
search, word for word, at a fraction of the cost.

The engine's own promises are checked as before, with the engine's own
matcher, on every `every`-th class in simplicity order. With `jobs`,
chunks of the order go to worker processes (`engine.parallel`) and their
counts are merged in order, so the report is the same, byte for byte.
"""

from __future__ import annotations

import math
import sys
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout

from engine.consistency.counting import CHUNK, Component, Counted, Sub, build, count_chunk, count_part, plan, shipped
from engine.consistency.search import Budget, Evidence, Key, Method, Observer, Progress, Search, sampled_promise
from engine.matching.compiled import CompiledMatcher
from engine.matching.matcher import Matcher
from engine.pipeline import Engine
from engine.space import Point, ScenarioSpace


def proven(matcher: Matcher) -> bool:
    """Whether a matcher is one the tests hold equal to the compiled program: the compiled one, or durable_rules."""
    if type(matcher) is CompiledMatcher:
        return True
    durable = sys.modules.get("engine.matching.durable")  # loaded when the matcher is a DurableMatcher
    return durable is not None and type(matcher) is durable.DurableMatcher


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
                    for key in self.view.shows(self.view.observe(self._point(first))):
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
    if key[0] in ("self-conflict", "points-both-ways"):
        return "question", key[2]
    if key[0] == "disagreement":
        return "question", key[1]
    if key[0] == "invariant":
        return "invariant", key[1]
    return None

"""Searching the scenario space: run each scenario once, keep what it shows, find the smallest that shows a thing.

When the number of classes is at most the limit, every class is tried,
simplest first: on the compiled program, class after class, keeping counts
and no forecasts (`engine.consistency.exhaustive.Sweep`), or, for an engine
whose matcher is not one proven equal to the compiled program, a full
forecast of each (`Exhaustive`). Otherwise hypothesis samples classes
(`Sampled`) and shrinks each finding to the smallest scenario it can find.
A search can be bounded (`Budget`): past its deadline, the next scenario
not yet run raises `OutOfTime` instead, and what was tried is kept.

Every search answers the same questions (`Search`), which is all that
`engine.consistency.findings` asks of it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Literal

from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis.errors import NoSuchExample

from engine.consistency.observer import Budget, Observation, Observer, OutOfTime, sampled_promise, shrink
from engine.consistency.verdicts import Evidence, Key
from engine.space import Point, ScenarioSpace

__all__ = [
    "Budget",
    "Evidence",
    "Exhaustive",
    "Key",
    "Method",
    "Observed",
    "Observer",
    "OutOfTime",
    "Progress",
    "Sampled",
    "Search",
    "sampled_promise",
]

Method = Literal["exhaustive", "hypothesis"]
Progress = Callable[[int, int], None]


class Search:
    """What a finished or stopped search knows: the keys shown, how often, where first and smallest; which rules fired where.

    `Exhaustive` and `Sampled` keep an `Observer` with every point tried;
    `engine.consistency.exhaustive.Sweep` keeps counts instead.
    """

    method: Method
    every: int | None = None
    """Promises are checked on one point in `every`, in simplicity order (exhaustive searches)."""

    @property
    def tried(self) -> int:
        raise NotImplementedError

    @property
    def promise_checks(self) -> int:
        raise NotImplementedError

    def explore(self) -> None:
        raise NotImplementedError

    def keys(self) -> set[Key]:
        raise NotImplementedError

    def count(self, key: Key) -> int:
        raise NotImplementedError

    def tried_for(self, key: Key) -> int:
        """Of how many points tried `key` could be seen: all, or the sample that the costlier promises are checked on."""
        return self.promise_checks if sampled_promise(key) else self.tried

    def first(self, key: Key) -> Point:
        """The first point tried that showed `key`: the smallest so far when points are tried simplest first."""
        raise NotImplementedError

    def smallest(self, key: Key) -> Point:
        """The smallest point that shows `key` (for a sampled search: the smallest it can find)."""
        raise NotImplementedError

    def evidence(self, key: Key, point: Point) -> Evidence:
        raise NotImplementedError

    def fires(self, rule_id: str) -> int:
        """In how many points tried the rule fires."""
        raise NotImplementedError

    def smallest_firing(self, rule_id: str) -> Point:
        """The smallest point where the rule fires (for a sampled search: the smallest it can find)."""
        raise NotImplementedError

    def first_firing(self, rule_id: str) -> Point:
        """The first point tried where the rule fires."""
        raise NotImplementedError

    def covers(self, rule_id: str, other: str) -> bool:
        """Whether `other` fires in every point tried where `rule_id` fires (two rules of one expert)."""
        raise NotImplementedError

    def same(self, rule_id: str, other: str) -> bool:
        """Whether the two rules fire in exactly the same points tried (two rules of one expert)."""
        raise NotImplementedError


class Observed(Search):
    """A search that keeps an `Observer`: every point it tried, and what each showed."""

    def __init__(self, observer: Observer) -> None:
        self.observer = observer

    @property
    def space(self) -> ScenarioSpace:
        return self.observer.space

    @property
    def tried(self) -> int:
        return len(self.observer.points)

    @property
    def promise_checks(self) -> int:
        return self.observer.promise_checks

    def keys(self) -> set[Key]:
        return self.observer.keys()

    def count(self, key: Key) -> int:
        return self.observer.count(key)

    def first(self, key: Key) -> Point:
        return self.observer.first(key)

    def evidence(self, key: Key, point: Point) -> Evidence:
        return self.observer.evidence(key, point)

    def minimal(self, shows: Callable[[Observation], bool], promises: bool) -> Point | None:
        raise NotImplementedError

    def smallest(self, key: Key) -> Point:
        """The search's smallest point; if it cannot find one again, the first point seen to show it."""
        found = self.minimal(lambda observation: self.observer.showed(key, observation), sampled_promise(key))
        return found if found is not None else self.first(key)

    def fires(self, rule_id: str) -> int:
        return len(self.observer.fired_in[rule_id])

    def first_firing(self, rule_id: str) -> Point:
        return self.observer.points[self.observer.fired_in[rule_id].first()]

    def smallest_firing(self, rule_id: str) -> Point:
        found = self.minimal(lambda observation: self.observer.fired(rule_id, observation), False)
        return found if found is not None else self.first_firing(rule_id)

    def covers(self, rule_id: str, other: str) -> bool:
        return not self.observer.fired_in[rule_id].number() & ~self.observer.fired_in[other].number()

    def same(self, rule_id: str, other: str) -> bool:
        return self.observer.fired_in[rule_id].number() == self.observer.fired_in[other].number()


class Exhaustive(Observed):
    """Every point, simplest first, each forecast in full; promises on every k-th.

    For an engine whose matcher is not proven equal to the compiled program
    (a test's, say): the `Sweep` is much faster and keeps much less.
    """

    method: Method = "exhaustive"

    def __init__(self, observer: Observer, progress: Progress | None, promise_sample: int) -> None:
        super().__init__(observer)
        self.progress = progress
        self.points = observer.space.points()
        self.every = max(1, math.ceil(len(self.points) / max(1, promise_sample)))
        self.sampled = self.points[:: self.every]

    def explore(self) -> None:
        sampled = set(self.sampled)
        for done, point in enumerate(self.points, 1):
            self.observer.observe(point, promises=point in sampled)
            if self.progress is not None:
                self.progress(done, len(self.points))

    def minimal(self, shows: Callable[[Observation], bool], promises: bool) -> Point | None:
        for point in self.sampled if promises else self.points:
            if shows(self.observer.observe(point, promises)):
                return point
        return None


class Sampled(Observed):
    """Hypothesis over class positions, with a fixed seed so every run draws the same points.

    Exploring is a `find` whose condition never holds, so hypothesis draws
    `max_examples` points. A finding is shrunk from the simplest point drawn
    that shows it, one variable at a time: each variable in turn moves to
    the first class nearer its default that still shows it, until none can
    move. Every step is a point of the space, evaluated once and kept, so
    shrinking costs a few evaluations a variable, where a `find` per
    finding would draw the search again and grows with the rule base.
    """

    method: Method = "hypothesis"

    def __init__(self, observer: Observer, progress: Progress | None, promise_sample: int, max_examples: int, seed: int) -> None:
        super().__init__(observer)
        self.progress = progress
        self.promise_sample = promise_sample
        self.max_examples = max_examples
        self.seed = seed
        self.strategy = observer.space.strategy()
        self.settings = settings(
            max_examples=max_examples,
            phases=(Phase.generate, Phase.shrink),  # no explaining: a finding says in its own words why it shows
            database=None,
            deadline=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
        )

    def explore(self) -> None:
        drawn = 0

        def visit(point: Point) -> bool:
            nonlocal drawn
            drawn += 1
            self.observer.observe(point, promises=self.observer.promise_checks < self.promise_sample)
            if self.progress is not None and drawn < self.max_examples:
                self.progress(drawn, self.max_examples)
            return False

        self._find(visit)
        if self.progress is not None:  # once, and also when hypothesis stopped early, having drawn every point
            self.progress(self.max_examples, self.max_examples)

    def minimal(self, shows: Callable[[Observation], bool], promises: bool) -> Point | None:
        def holds(point: Point) -> bool:
            return shows(self.observer.observe(point, promises))

        drawn = [point for point in self.observer.points if not promises or self.observer.checked(point)]
        start = min(filter(holds, drawn), key=ScenarioSpace.simplicity, default=None)
        return None if start is None else shrink(start, holds)

    def _find(self, condition: Callable[[Point], bool]) -> Point | None:
        try:
            return find(self.strategy, condition, settings=self.settings, random=random.Random(self.seed))
        except NoSuchExample:
            return None

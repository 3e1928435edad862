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
import time
from collections.abc import Callable, Mapping
from itertools import combinations
from typing import Literal

from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis.errors import NoSuchExample

from engine.consistency.invariants import invariant_breach
from engine.consistency.likelihoods import conflicts
from engine.consistency.promises import SAMPLED_PROMISES, differs, reordered, trace_problem
from engine.errors import EngineFailure
from engine.language import Value, describe_conclusion
from engine.pipeline import Engine
from engine.records import record
from engine.resolve.results import Forecast
from engine.space import Point, ScenarioSpace

Method = Literal["exhaustive", "hypothesis"]
Progress = Callable[[int, int], None]

Key = tuple[str, ...]
"""What a scenario shows: ("self-conflict", expert, question), ("probabilistic-self-conflict", expert, question,
lexicon), ("disagreement", question, a, b),
("invariant", name) or ("promise", name)."""


class OutOfTime(BaseException):
    """The search's time budget ran out before the next scenario.

    A `BaseException`, like `KeyboardInterrupt`: hypothesis, which runs the
    sampled search, would take an `Exception` raised by the condition for a
    finding to shrink; this one it lets through at once.
    """


@record
class Budget:
    """When the search must stop (`deadline`, on `clock`), and what is asked before each new scenario.

    `checkpoint` may raise to stop the search (the command line raises an
    interrupt that something swallowed).
    """

    deadline: float | None = None
    clock: Callable[[], float] = time.monotonic
    checkpoint: Callable[[], None] | None = None

    def check(self) -> None:
        if self.checkpoint is not None:
            self.checkpoint()
        if self.deadline is not None and self.clock() >= self.deadline:
            raise OutOfTime


def sampled_promise(key: Key) -> bool:
    """Whether `key` is a promise checked only on the sample of scenarios."""
    return key[0] == "promise" and key[1] in SAMPLED_PROMISES


@record
class Evidence:
    """What one scenario shows about one key: the rules and experts involved, in words."""

    rules: tuple[str, ...]
    experts: tuple[str, ...]
    text: str


@record
class Observation:
    """What one point tried showed: its place in the order tried, and its keys (the evidence is made again when asked)."""

    index: int
    shows: frozenset[Key]


def _outcomes(outcomes: tuple[str, ...]) -> str:
    return ", ".join(outcomes)


def shrink(point: Point, holds: Callable[[Point], bool]) -> Point:
    """A point that `holds`, reached from `point` one variable at a time, where no variable can move nearer its default and hold.

    Each variable in turn goes to the first class, from its default, that
    still holds; passes repeat until none moves. Every move lowers a class
    position, so it ends.
    """
    moved = True
    while moved:
        moved = False
        for place, position in enumerate(point):
            for nearer in range(position):
                candidate = (*point[:place], nearer, *point[place + 1 :])
                if holds(candidate):
                    point, moved = candidate, True
                    break
    return point


class Observer:
    """Runs the engine on points, once each, and keeps what every point showed."""

    def __init__(self, engine: Engine, space: ScenarioSpace, budget: Budget | None = None) -> None:
        self.engine = engine
        self.space = space
        self.budget = budget or Budget()
        self.points: list[Point] = []
        self.fired_in: dict[str, int] = {rule.id: 0 for rule in engine.rule_base.rules}
        """For each rule, where it fired: bit i is the i-th point tried (a few bytes a rule, where sets took a box per firing)."""
        self._plain: dict[Point, Observation] = {}
        self._promises: dict[Point, dict[Key, Evidence]] = {}
        self._reordered: Engine | None = None

    @property
    def promise_checks(self) -> int:
        return len(self._promises)

    def checked(self, point: Point) -> bool:
        """Whether the engine's promises were checked on `point`."""
        return point in self._promises

    def observe(self, point: Point, promises: bool = False) -> Observation:
        """What `point` shows; with `promises`, also the sampled engine promises."""
        plain = self._plain.get(point)
        if plain is None:
            self.budget.check()
            fired, shows = self._evaluate(point)
            bit = 1 << len(self.points)
            for rule_id in fired:
                self.fired_in[rule_id] |= bit
            plain = self._plain[point] = Observation(len(self.points), frozenset(shows))
            self.points.append(point)
        if not promises or ("promise", "terminates") in plain.shows:
            return plain
        if point not in self._promises:
            self.budget.check()
            values = self.space.values(point)
            self._promises[point] = self._check_promises(values, self.engine.forecast(values))
        return Observation(plain.index, plain.shows | self._promises[point].keys())

    def fired(self, rule_id: str, observation: Observation) -> bool:
        """Whether the rule fired in the point observed."""
        return bool(self.fired_in[rule_id] >> observation.index & 1)

    def keys(self) -> set[Key]:
        return {key for observation in self._plain.values() for key in observation.shows} | {
            key for shown in self._promises.values() for key in shown
        }

    def count(self, key: Key) -> int:
        """How many of the points tried show `key`."""
        if sampled_promise(key):
            return sum(1 for shown in self._promises.values() if key in shown)
        return sum(1 for observation in self._plain.values() if key in observation.shows)

    def first(self, key: Key) -> Point:
        """The first point tried that showed `key`."""
        return next(point for point in self.points if key in self.observe(point, point in self._promises).shows)

    def evidence(self, key: Key, point: Point) -> Evidence:
        """What `point` shows about `key` (a point that shows it), in words: the point is evaluated again."""
        if sampled_promise(key):
            return self._promises[point][key]
        return self._evaluate(point)[1][key]

    def _evaluate(self, point: Point) -> tuple[frozenset[str], dict[Key, Evidence]]:
        """The rules that fire at `point`, and what it shows, each key with its evidence."""
        values = self.space.values(point)
        try:
            forecast = self.engine.summary(values)  # what a point shows needs no trace: the promises take a full forecast
        except EngineFailure as failure:
            return frozenset(), {("promise", "terminates"): Evidence((), (), str(failure))}
        shows: dict[Key, Evidence] = {}
        for question in forecast.questions:
            for stance in question.stances:
                if stance.status == "self-conflict":
                    said = "; ".join(f"{rule} says {describe_conclusion(self.engine.rule_base.rule(rule).then)}" for rule in stance.rules)
                    shows[("self-conflict", stance.expert, question.id)] = Evidence(stance.rules, (stance.expert,), said)
            stated = [stance for stance in question.stances if stance.outcomes]
            for one, other in combinations(stated, 2):
                if not set(one.outcomes) & set(other.outcomes):
                    text = (
                        f"{one.expert} allows {_outcomes(one.outcomes)} ({', '.join(one.rules)}); "
                        f"{other.expert} allows {_outcomes(other.outcomes)} ({', '.join(other.rules)})"
                    )
                    key = ("disagreement", question.id, one.expert, other.expert)
                    shows[key] = Evidence(tuple(sorted({*one.rules, *other.rules})), (one.expert, other.expert), text)
        for invariant in self.engine.rule_base.checks.invariants:
            breach = invariant_breach(invariant, forecast, self.engine.rule_base.vocabulary)
            if breach is not None:
                shows[("invariant", invariant.name)] = Evidence(breach.rules, breach.experts, str(breach))
        fired = frozenset(firing.rule_id for firing in forecast.firings)
        for lexicon, question_id, expert, rules, said in conflicts(self.engine, fired):
            # Claims that allow no outcome together fit no probabilities either: that is the self-conflict already shown.
            if ("self-conflict", expert, question_id) not in shows:
                shows[("probabilistic-self-conflict", expert, question_id, lexicon)] = Evidence(rules, (expert,), said)
        return fired, shows

    def _check_promises(self, values: Mapping[str, Value], forecast: Forecast) -> dict[Key, Evidence]:
        broken: dict[Key, Evidence] = {}
        difference = differs(forecast, self.engine.forecast(dict(reversed(list(values.items())))))
        if difference is not None:
            broken[("promise", "values-order")] = Evidence((), (), f"with the variables given in reverse order, {difference}")
        try:
            difference = differs(forecast, self._reordered_engine().forecast(values))
        except EngineFailure as failure:
            difference = f"the engine failed: {failure}"
        if difference is not None:
            broken[("promise", "rule-order")] = Evidence((), (), f"with the rules compiled in reverse order, {difference}")
        problem = trace_problem(forecast)
        if problem is not None:
            broken[("promise", "quoted-traces")] = Evidence((), (), problem)
        return broken

    def _reordered_engine(self) -> Engine:
        if self._reordered is None:
            self._reordered = reordered(self.engine)
        return self._reordered


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
        found = self.minimal(lambda observation: key in observation.shows, sampled_promise(key))
        return found if found is not None else self.first(key)

    def fires(self, rule_id: str) -> int:
        return self.observer.fired_in[rule_id].bit_count()

    def first_firing(self, rule_id: str) -> Point:
        where = self.observer.fired_in[rule_id]
        return self.observer.points[(where & -where).bit_length() - 1]

    def smallest_firing(self, rule_id: str) -> Point:
        found = self.minimal(lambda observation: self.observer.fired(rule_id, observation), False)
        return found if found is not None else self.first_firing(rule_id)

    def covers(self, rule_id: str, other: str) -> bool:
        return not self.observer.fired_in[rule_id] & ~self.observer.fired_in[other]

    def same(self, rule_id: str, other: str) -> bool:
        return self.observer.fired_in[rule_id] == self.observer.fired_in[other]


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

"""Running the engine on points of the scenario space, once each, and keeping what each showed.

An `Observer` evaluates a point (a class position per variable) without
traces and keeps only where each key (a self-conflict, a disagreement or a
view that points both ways under a lexicon, a broken invariant or promise)
and each rule's firing was seen: for each, a
bit per point tried (`Places`); the evidence, in words, is made again for the
few points a report shows. The engine's own promises (order, traces) cost
full forecasts and are checked only on the points asked. `shrink` walks a
point towards the default classes while a condition holds. A `Budget`
bounds all of it: past its deadline, the next point not yet run raises
`OutOfTime`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from engine.consistency.invariants import invariant_breach
from engine.consistency.promises import SAMPLED_PROMISES, differs, reordered, trace_problem
from engine.consistency.verdicts import Evidence, Judged, Key
from engine.errors import EngineFailure
from engine.language import Value
from engine.pipeline import Engine
from engine.records import record
from engine.resolve.results import Forecast
from engine.space import Point, ScenarioSpace


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
class Observation:
    """One point tried: its place in the order tried, and the promises it broke when they were checked on it.

    What else it showed is kept by the `Observer`, by key (`Observer.shows`).
    """

    index: int
    promised: frozenset[Key] = frozenset()


class Places:
    """Places in the order of points tried, as one bit each in a growing bytearray: set in constant time, an eighth of a byte a point."""

    __slots__ = ("bits",)

    def __init__(self) -> None:
        self.bits = bytearray()

    def add(self, place: int) -> None:
        byte = place >> 3
        if byte >= len(self.bits):
            self.bits.extend(bytes(max(byte + 1, 2 * len(self.bits)) - len(self.bits)))
        self.bits[byte] |= 1 << (place & 7)

    def __contains__(self, place: int) -> bool:
        byte = place >> 3
        return byte < len(self.bits) and bool(self.bits[byte] >> (place & 7) & 1)

    def number(self) -> int:
        """The places as the bits of one number (bit i: place i)."""
        return int.from_bytes(self.bits, "little")

    def __len__(self) -> int:
        return self.number().bit_count()

    def first(self) -> int:
        number = self.number()
        return (number & -number).bit_length() - 1


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
        self.fired_in: dict[str, Places] = {rule.id: Places() for rule in engine.rule_base.rules}
        """For each rule, the places in `points` where it fired (a bit each, where a set took a box each)."""
        self.shown_in: dict[Key, Places] = {}
        """For each key shown, the places in `points` that showed it."""
        self._plain: dict[Point, Observation] = {}
        self._promises: dict[Point, dict[Key, Evidence]] = {}
        self._reordered: Engine | None = None
        self._worded: dict[Point, dict[Key, Evidence]] = {}
        """The last point evaluated in words, for `evidence`: one point at a time, however many findings it shows."""
        self.judged = Judged(engine)
        """What the verdicts under each lexicon show, memoised per question and fired stance rules."""

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
            fired, shows = self._evaluate(point, checkpoint=self.budget.check)
            place = len(self.points)
            for rule_id in fired:
                self.fired_in[rule_id].add(place)
            for key in shows:
                self.shown_in.setdefault(key, Places()).add(place)
            plain = self._plain[point] = Observation(len(self.points))
            self.points.append(point)
        if not promises or self.showed(("promise", "terminates"), plain):
            return plain
        if point not in self._promises:
            self.budget.check()
            values = self.space.values(point)
            self._promises[point] = self._check_promises(values, self.engine.forecast(values))
        return Observation(plain.index, frozenset(self._promises[point]))

    def fired(self, rule_id: str, observation: Observation) -> bool:
        """Whether the rule fired in the point observed."""
        return observation.index in self.fired_in[rule_id]

    def showed(self, key: Key, observation: Observation) -> bool:
        """Whether the point observed showed `key` (a sampled promise: if it was checked there)."""
        return key in observation.promised or (key in self.shown_in and observation.index in self.shown_in[key])

    def shows(self, observation: Observation) -> set[Key]:
        """Every key the point observed showed."""
        return {key for key, where in self.shown_in.items() if observation.index in where} | observation.promised

    def keys(self) -> set[Key]:
        return set(self.shown_in) | {key for shown in self._promises.values() for key in shown}

    def count(self, key: Key) -> int:
        """How many of the points tried show `key`."""
        if sampled_promise(key):
            return sum(1 for shown in self._promises.values() if key in shown)
        return len(self.shown_in[key]) if key in self.shown_in else 0

    def first(self, key: Key) -> Point:
        """The first point tried that showed `key`."""
        if sampled_promise(key):
            return next(point for point in self.points if key in self._promises.get(point, ()))
        return self.points[self.shown_in[key].first()]

    def evidence(self, key: Key, point: Point) -> Evidence:
        """What `point` shows about `key` (a point that shows it), in words: the point is evaluated again."""
        if sampled_promise(key):
            return self._promises[point][key]
        if point not in self._worded:  # the findings of one point share its evaluation
            self._worded = {point: self._evaluate(point, words=True)[1]}
        return self._worded[point][key]

    def _evaluate(
        self, point: Point, words: bool = False, checkpoint: Callable[[], None] | None = None
    ) -> tuple[frozenset[str], dict[Key, Evidence]]:
        """The rules that fire at `point`, and what it shows, each key with its evidence (its text left empty without `words`).

        `checkpoint()` is called between verdicts (`Judged.shows`): a budget stops within a point, not only before one.
        """
        values = self.space.values(point)
        try:
            forecast = self.engine.summary(values)  # what a point shows needs no trace: the promises take a full forecast
        except EngineFailure as failure:
            return frozenset(), {("promise", "terminates"): Evidence((), (), str(failure))}
        fired = frozenset(firing.rule_id for firing in forecast.firings)
        shows = dict(self.judged.shows(fired, checkpoint))
        for invariant in self.engine.rule_base.checks.invariants:
            breach = invariant_breach(invariant, forecast, self.engine.rule_base.vocabulary)
            if breach is not None:
                shows[("invariant", invariant.name)] = Evidence(breach.rules, breach.experts, str(breach) if words else "")
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

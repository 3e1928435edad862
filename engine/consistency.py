"""Property-test a rule base: find the scenarios where its rules break.

`run_consistency(engine)` searches the whole scenario space the vocabulary
defines and reports, each with the smallest scenario that shows it:

- self-conflict: one expert's fired rules allow no outcome for a question;
- disagreement (informational): two experts' stances on a question do not
  overlap; it tells where each pair of experts parts ways, it is no error;
- dead rule: a rule that no scenario fires;
- shadowed rule: rule A is shadowed by rule B of the same expert when A fires
  in at least one scenario, B fires in every scenario where A fires, and
  either both take a stance on the same question with B's allowed outcomes a
  subset of A's, or both derive the same fact. A then adds nothing that B
  does not already say. When A and B shadow each other (they fire in the
  same scenarios and conclude the same), only the one with the later id is
  reported;
- invariant: a promise declared in checks.yaml (`Invariant`) is broken;
- promise: the engine broke one of its own promises: every scenario runs to
  the end, the forecast does not depend on the order of the variables or of
  the rules, and every stance has a trace whose quotes are found in their
  seeds. Termination is checked on every scenario tried, the others on a
  deterministic sample, said in the report;
- unused acceptance (informational): an `accepted` entry that matches no
  finding.

Self-conflicts, dead rules and shadowed rules declared under `accepted` in
checks.yaml are reported as known; `ConsistencyReport.failed` is True when
any other finding is not informational.

How it searches. The engine compares a variable only with constants, so two
scenarios whose variables pass and fail exactly the same tests (in rules and
invariant conditions) get the same forecast. `ScenarioSpace` cuts each
variable's values into such classes and keeps one value per class: the
simplest one, in the order false < true, levels lowest first, numbers
smallest first. Searching one scenario per class is therefore exact. When the
number of classes is at most `limit`, every class is tried; otherwise
hypothesis samples classes, and each finding is shrunk by hypothesis to the
smallest scenario it can find (hypothesis makes the class positions small in
vocabulary order, which can differ from the exhaustive order below). Dead and shadowed rules found by sampling are
evidence, not proof, and the report says so.

"Smallest" in an exhaustive search means first in this simplicity order:
fewer variables away from their default class (false, the lowest level, the
minimum: what `forecast new` writes), then a smaller sum of class positions,
then class positions compared in vocabulary order.
"""

from __future__ import annotations

import math
import random
import re
import textwrap
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from itertools import combinations, pairwise, product
from pathlib import Path
from typing import Any, Literal

from hypothesis import HealthCheck, Verbosity, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from engine.compile import Value, branches_of, compile_rules
from engine.errors import EngineFailure
from engine.load import RuleBase
from engine.model import (
    Accepted,
    AllOf,
    AnyOf,
    BooleanVariable,
    Condition,
    ExpertKind,
    FactConclusion,
    FactTest,
    Invariant,
    LevelVariable,
    Op,
    Rule,
    StanceConclusion,
    Variable,
    VarTest,
    Vocabulary,
    leaves,
)
from engine.pipeline import Engine
from engine.resolve import Forecast, allowed, describe_conclusion, describe_literal, describe_stance
from engine.scenario_io import render_scenario, yaml_scalar

FindingKind = Literal["self-conflict", "disagreement", "dead-rule", "shadowed-rule", "invariant", "promise", "unused-acceptance"]
FindingStatus = Literal["failing", "accepted", "informational"]
Method = Literal["exhaustive", "hypothesis"]

KIND_ORDER: tuple[FindingKind, ...] = (
    "invariant",
    "self-conflict",
    "promise",
    "dead-rule",
    "shadowed-rule",
    "disagreement",
    "unused-acceptance",
)
INFORMATIONAL: frozenset[FindingKind] = frozenset({"disagreement", "unused-acceptance"})
_STATUS_ORDER: dict[FindingStatus, int] = {"failing": 0, "accepted": 1, "informational": 2}
_STATUS_WORDS: dict[FindingStatus, str] = {"failing": "a finding to fix", "accepted": "known", "informational": "information, not an error"}

PROMISES: dict[str, str] = {
    "terminates": "every scenario runs to the end without an engine failure",
    "values-order": "the forecast does not depend on the order of the scenario's variables",
    "rule-order": "the forecast does not depend on the order of the rules and rule files",
    "quoted-traces": "every stance has a trace of its rules, and every quote in it is found in its seed",
}
_SAMPLED_PROMISES = frozenset({"values-order", "rule-order", "quoted-traces"})

Point = tuple[int, ...]
"""A scenario as the position of its class for each variable, in vocabulary order."""

_Key = tuple[str, ...]
"""What a scenario shows: ("self-conflict", expert, question), ("disagreement", question, a, b),
("invariant", name) or ("promise", name)."""


# --- conditions ---------------------------------------------------------------


def compare(op: Op, subject: Value, targets: Iterable[Value], variable: Variable) -> bool:
    """Whether `subject op targets` holds for a value of `variable` (levels compare by rank)."""

    def rank(value: Value) -> Value:
        return variable.levels.index(str(value)) if isinstance(variable, LevelVariable) else value

    left = rank(subject)
    right = [rank(value) for value in targets]
    if op is Op.IS:
        return left == right[0]
    if op is Op.IS_NOT:
        return left != right[0]
    if op is Op.IN:
        return left in right
    if op is Op.NOT_IN:
        return left not in right
    assert isinstance(left, (int, float)) and isinstance(right[0], (int, float))
    return {
        Op.AT_LEAST: left >= right[0],
        Op.AT_MOST: left <= right[0],
        Op.ABOVE: left > right[0],
        Op.BELOW: left < right[0],
    }[op]


def condition_holds(condition: Condition, values: Mapping[str, Value], facts: Collection[str], vocabulary: Vocabulary) -> bool:
    """Evaluate a condition on a scenario's `values` and its derived `facts`.

    Invariants are not compiled into the rule engine, so their `when` is
    evaluated here, on the forecast the engine produced.
    """
    if isinstance(condition, VarTest):
        return compare(condition.op, values[condition.var], condition.values, vocabulary.variables[condition.var])
    if isinstance(condition, FactTest):
        return condition.fact in facts
    if isinstance(condition, AllOf):
        return all(condition_holds(item, values, facts, vocabulary) for item in condition.all)
    if isinstance(condition, AnyOf):
        return any(condition_holds(item, values, facts, vocabulary) for item in condition.any)
    return not condition_holds(condition.not_, values, facts, vocabulary)


def _var_tests(condition: Condition | None) -> Iterator[VarTest]:
    return (leaf for leaf, _ in leaves(condition) if isinstance(leaf, VarTest))


def describe_condition(condition: Condition | None) -> str:
    """A condition in words, as its alternatives: `a and b, or c`."""
    alternatives = [" and ".join(describe_literal(literal) for literal in branch) or "always" for branch in branches_of(condition)]
    return ", or ".join(alternatives)


def describe_bound(bound: StanceConclusion) -> str:
    return describe_stance(bound)


# --- invariants ---------------------------------------------------------------


@dataclass(frozen=True)
class Breach:
    """How one forecast breaks one invariant."""

    invariant: Invariant
    outcomes: tuple[str, ...]
    forbidden: tuple[str, ...]
    experts: tuple[str, ...]
    rules: tuple[str, ...]

    def __str__(self) -> str:
        bound = self.invariant.require
        rules = ", ".join(self.rules)
        if self.invariant.expert is not None:
            held = f"{self.invariant.expert} allows {', '.join(self.outcomes)} on {bound.question} ({rules})"
        else:
            held = f"the combined outcome on {bound.question} is {', '.join(self.outcomes)} ({rules})"
        return f"{held}, but '{describe_bound(bound)}' rules out {', '.join(self.forbidden)}"


def invariant_breach(invariant: Invariant, forecast: Forecast, vocabulary: Vocabulary) -> Breach | None:
    """How `forecast` breaks `invariant`, or None when it holds.

    It holds when its `when` does not, or when every outcome the stance in
    scope allows is within the bound: the expert's stance if `expert` is set,
    else the combined outcome. No stance, a self-conflict, or an empty
    combined outcome meets every bound.
    """
    if invariant.when is not None and not condition_holds(invariant.when, forecast.values, forecast.facts, vocabulary):
        return None
    bound = invariant.require
    result = forecast.question(bound.question)
    permitted = set(allowed(bound.op, bound.values, result.scale))
    if invariant.expert is None:
        stances = result.stances
        outcomes = result.outcome
    else:
        stances = tuple(stance for stance in result.stances if stance.expert == invariant.expert)
        outcomes = stances[0].outcomes if stances else ()
    forbidden = tuple(outcome for outcome in outcomes if outcome not in permitted)
    if not forbidden:
        return None
    return Breach(
        invariant=invariant,
        outcomes=outcomes,
        forbidden=forbidden,
        experts=tuple(stance.expert for stance in stances),
        rules=tuple(sorted({rule for stance in stances for rule in stance.rules})),
    )


# --- the scenario space -------------------------------------------------------


def _inside(low: float, high: float) -> float:
    """A point strictly between `low` and `high`: the smallest whole number there, else the midpoint."""
    whole = math.floor(low) + 1
    return whole if whole < high else (low + high) / 2


def _candidates(variable: Variable, thresholds: Iterable[Value]) -> list[Value]:
    """Values that include the simplest member of every class, simplest first.

    For a whole number, a run of values the tests cannot tell apart starts at
    the minimum, at a threshold t or at t + 1. For a continuous number, the
    classes are the thresholds, the bounds, and the open intervals between.
    """
    if isinstance(variable, BooleanVariable):
        return [False, True]
    if isinstance(variable, LevelVariable):
        return list(variable.levels)
    numbers = [float(value) for value in thresholds if isinstance(value, (int, float))]
    if variable.integer:
        low, high = math.ceil(variable.min), math.floor(variable.max)
        starts = {low, *(int(value) for value in numbers), *(int(value) + 1 for value in numbers)}
        return sorted(value for value in starts if low <= value <= high)
    critical = sorted({variable.min, variable.max, *(value for value in numbers if variable.min <= value <= variable.max)})
    return sorted({*critical, *(_inside(low, high) for low, high in pairwise(critical))})


def _classes(variable: Variable, tests: list[VarTest]) -> tuple[Value, ...]:
    """The simplest value of each class of values that `tests` cannot tell apart."""
    kept: dict[tuple[bool, ...], Value] = {}
    for value in _candidates(variable, (target for test in tests for target in test.values)):
        signature = tuple(compare(test.op, value, test.values, variable) for test in tests)
        kept.setdefault(signature, value)
    return tuple(kept.values())


def _domain_size(variable: Variable) -> int | None:
    if isinstance(variable, BooleanVariable):
        return 2
    if isinstance(variable, LevelVariable):
        return len(variable.levels)
    if variable.integer:
        return math.floor(variable.max) - math.ceil(variable.min) + 1
    return None if variable.max > variable.min else 1


@dataclass(frozen=True)
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

    @classmethod
    def of(cls, rule_base: RuleBase) -> ScenarioSpace:
        """The classes of every variable under all the tests in rules and invariant conditions."""
        conditions = [rule.when for rule in rule_base.rules] + [invariant.when for invariant in rule_base.checks.invariants]
        tests = [test for condition in conditions for test in _var_tests(condition)]
        vocabulary = rule_base.vocabulary
        return cls(
            vocabulary=vocabulary,
            classes={name: _classes(variable, [test for test in tests if test.var == name]) for name, variable in vocabulary.variables.items()},
        )

    @property
    def size(self) -> int:
        """The number of scenario classes: the product of each variable's class count."""
        return math.prod(len(values) for values in self.classes.values())

    @property
    def raw_size(self) -> int | None:
        """The number of distinct scenarios; None when a continuous number makes it infinite."""
        sizes = [_domain_size(variable) for variable in self.vocabulary.variables.values()]
        return None if None in sizes else math.prod(size for size in sizes if size is not None)

    def values(self, point: Point) -> dict[str, Value]:
        """The scenario of a point: one value per variable, in vocabulary order."""
        return {name: options[index] for (name, options), index in zip(self.classes.items(), point)}

    @staticmethod
    def simplicity(point: Point) -> tuple[int, int, Point]:
        """Sort key: fewer variables off their default, then smaller class positions."""
        return (sum(1 for index in point if index), sum(point), point)

    def points(self) -> list[Point]:
        """Every point, simplest first."""
        return sorted(product(*(range(len(options)) for options in self.classes.values())), key=self.simplicity)

    def strategy(self) -> st.SearchStrategy[Point]:
        """Hypothesis draws class positions; shrinking moves them towards the default class."""
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
    if count == 1:
        return st.just(0)
    width = (count - 1).bit_length()

    def scale(bits: tuple[bool, ...]) -> int:
        number = sum(1 << (width - 1 - place) for place, bit in enumerate(bits) if bit)
        return (number * count) >> width

    return st.tuples(*(st.booleans() for _ in range(width))).map(scale)


# --- observing scenarios --------------------------------------------------------


@dataclass(frozen=True)
class _Evidence:
    """What one scenario shows about one key: the rules and experts involved, in words."""

    rules: tuple[str, ...]
    experts: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class _Observation:
    fired: frozenset[str]
    shows: Mapping[_Key, _Evidence]


def _outcomes(outcomes: tuple[str, ...]) -> str:
    return ", ".join(outcomes)


def _differs(first: Forecast, second: Forecast) -> str | None:
    """Where two forecasts of the same scenario differ, or None when they are equal."""
    if first == second:
        return None
    if first.firings != second.firings:
        return "different rules fired"
    if first.facts != second.facts:
        return "different facts were derived"
    for one, other in zip(first.questions, second.questions):
        if one != other:
            return f"the result on {one.id} differs"
    return "the forecasts differ"


def _trace_problem(forecast: Forecast) -> str | None:
    """What breaks the trace promise in `forecast`: a stance's rule without a step, a quote not found."""
    for question in forecast.questions:
        for stance in question.stances:
            traced = {step.rule for step in stance.trace}
            missing = [rule for rule in stance.rules if rule not in traced]
            if missing:
                return f"{stance.expert}'s stance on {question.id} has no trace step for {', '.join(missing)}"
            for step in stance.trace:
                if step.expert_kind is not ExpertKind.ANALYST and step.quote is None:
                    return f"step {step.rule} in {stance.expert}'s trace on {question.id} has no quote"
                if step.quote is not None and step.span is None:
                    return f"the quote of {step.rule} is not found in seed {step.seed}"
                for text, span in step.context:
                    if span is None:
                        return f"the context quote {text!r} of {step.rule} is not found in seed {step.seed}"
    return None


class _Observer:
    """Runs the engine on points, once each, and keeps what every point showed."""

    def __init__(self, engine: Engine, space: ScenarioSpace) -> None:
        self.engine = engine
        self.space = space
        self.points: list[Point] = []
        self.fired_in: dict[str, set[int]] = {rule.id: set() for rule in engine.rule_base.rules}
        self._plain: dict[Point, _Observation] = {}
        self._promises: dict[Point, dict[_Key, _Evidence]] = {}
        self._reordered: Engine | None = None

    @property
    def promise_checks(self) -> int:
        return len(self._promises)

    def observe(self, point: Point, promises: bool = False) -> _Observation:
        """What `point` shows; with `promises`, also the sampled engine promises."""
        plain = self._plain.get(point)
        forecast: Forecast | None = None
        if plain is None:
            plain, forecast = self._evaluate(point)
            for rule_id in plain.fired:
                self.fired_in[rule_id].add(len(self.points))
            self.points.append(point)
            self._plain[point] = plain
        if not promises or ("promise", "terminates") in plain.shows:
            return plain
        if point not in self._promises:
            values = self.space.values(point)
            self._promises[point] = self._check_promises(values, forecast or self.engine.forecast(values))
        return _Observation(plain.fired, {**plain.shows, **self._promises[point]})

    def keys(self) -> set[_Key]:
        return {key for observation in self._plain.values() for key in observation.shows} | {
            key for shown in self._promises.values() for key in shown
        }

    def count(self, key: _Key) -> int:
        """How many of the points tried show `key`."""
        if _sampled_promise(key):
            return sum(1 for shown in self._promises.values() if key in shown)
        return sum(1 for observation in self._plain.values() if key in observation.shows)

    def first(self, key: _Key) -> Point:
        """The first point tried that showed `key`."""
        return next(point for point in self.points if key in self.observe(point, point in self._promises).shows)

    def _evaluate(self, point: Point) -> tuple[_Observation, Forecast | None]:
        values = self.space.values(point)
        try:
            forecast = self.engine.forecast(values)
        except EngineFailure as failure:
            return _Observation(frozenset(), {("promise", "terminates"): _Evidence((), (), str(failure))}), None
        shows: dict[_Key, _Evidence] = {}
        for question in forecast.questions:
            for stance in question.stances:
                if stance.status == "self-conflict":
                    said = "; ".join(f"{rule} says {describe_conclusion(self.engine.rule_base.rule(rule))}" for rule in stance.rules)
                    shows[("self-conflict", stance.expert, question.id)] = _Evidence(stance.rules, (stance.expert,), said)
            stated = [stance for stance in question.stances if stance.outcomes]
            for one, other in combinations(stated, 2):
                if not set(one.outcomes) & set(other.outcomes):
                    text = (
                        f"{one.expert} allows {_outcomes(one.outcomes)} ({', '.join(one.rules)}); "
                        f"{other.expert} allows {_outcomes(other.outcomes)} ({', '.join(other.rules)})"
                    )
                    key = ("disagreement", question.id, one.expert, other.expert)
                    shows[key] = _Evidence(tuple(sorted({*one.rules, *other.rules})), (one.expert, other.expert), text)
        for invariant in self.engine.rule_base.checks.invariants:
            breach = invariant_breach(invariant, forecast, self.engine.rule_base.vocabulary)
            if breach is not None:
                shows[("invariant", invariant.name)] = _Evidence(breach.rules, breach.experts, str(breach))
        fired = frozenset(firing.rule_id for firing in forecast.firings)
        return _Observation(fired, shows), forecast

    def _check_promises(self, values: Mapping[str, Value], forecast: Forecast) -> dict[_Key, _Evidence]:
        broken: dict[_Key, _Evidence] = {}
        difference = _differs(forecast, self.engine.forecast(dict(reversed(list(values.items())))))
        if difference is not None:
            broken[("promise", "values-order")] = _Evidence((), (), f"with the variables given in reverse order, {difference}")
        try:
            difference = _differs(forecast, self._reordered_engine().forecast(values))
        except EngineFailure as failure:
            difference = f"the engine failed: {failure}"
        if difference is not None:
            broken[("promise", "rule-order")] = _Evidence((), (), f"with the rules compiled in reverse order, {difference}")
        problem = _trace_problem(forecast)
        if problem is not None:
            broken[("promise", "quoted-traces")] = _Evidence((), (), problem)
        return broken

    def _reordered_engine(self) -> Engine:
        """The same rule base with its rules (and so its rule files) in reverse order, on a new matcher."""
        if self._reordered is None:
            rule_base = replace(self.engine.rule_base, rules=tuple(reversed(self.engine.rule_base.rules)))
            program = compile_rules(rule_base.rules, rule_base.vocabulary)
            self._reordered = Engine(rule_base, program, type(self.engine.matcher)(program))
        return self._reordered


# --- searching ----------------------------------------------------------------

Progress = Callable[[int, int], None]


class _Exhaustive:
    """Every point, simplest first; promises on every k-th."""

    method: Method = "exhaustive"

    def __init__(self, observer: _Observer, progress: Progress | None, promise_sample: int) -> None:
        self.observer = observer
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

    def minimal(self, shows: Callable[[_Observation], bool], promises: bool) -> Point | None:
        for point in self.sampled if promises else self.points:
            if shows(self.observer.observe(point, promises)):
                return point
        return None


class _Sampled:
    """Hypothesis over class positions, with a fixed seed so every run draws the same points.

    Exploring is a `find` whose condition never holds, so hypothesis draws
    `max_examples` points. Shrinking a finding is a `find` for it with the
    same seed: hypothesis draws the same points up to the first one that
    shows it, then shrinks it.
    """

    method: Method = "hypothesis"

    def __init__(self, observer: _Observer, progress: Progress | None, promise_sample: int, max_examples: int, seed: int) -> None:
        self.observer = observer
        self.progress = progress
        self.promise_sample = promise_sample
        self.max_examples = max_examples
        self.seed = seed
        self.strategy = observer.space.strategy()
        self.settings = settings(
            max_examples=max_examples,
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

    def minimal(self, shows: Callable[[_Observation], bool], promises: bool) -> Point | None:
        return self._find(lambda point: shows(self.observer.observe(point, promises)))

    def _find(self, condition: Callable[[Point], bool]) -> Point | None:
        try:
            return find(self.strategy, condition, settings=self.settings, random=random.Random(self.seed))
        except NoSuchExample:
            return None


# --- findings -----------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing the check found, with the smallest scenario that shows it.

    `scenario` is None for a dead rule (no scenario fires it) and for an
    unused acceptance. For a shadowed rule it is the smallest scenario where
    the shadowed rule fires (and its shadower with it). `scenarios` is how
    many of the scenarios tried show the finding.
    """

    kind: FindingKind
    subject: str
    message: str
    question: str | None = None
    experts: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    scenario: Mapping[str, Value] | None = None
    scenarios: int = 0
    accepted: Accepted | None = None

    @property
    def status(self) -> FindingStatus:
        if self.kind in INFORMATIONAL:
            return "informational"
        return "accepted" if self.accepted is not None else "failing"

    @property
    def title(self) -> str:
        return f"{self.kind}: {self.subject}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "subject": self.subject,
            "question": self.question,
            "experts": list(self.experts),
            "rules": list(self.rules),
            "message": self.message,
            "scenario": dict(self.scenario) if self.scenario is not None else None,
            "scenarios": self.scenarios,
            "accepted": {"name": self.accepted.name, "reason": self.accepted.reason} if self.accepted else None,
        }


@dataclass(frozen=True)
class ConsistencyReport:
    """What `run_consistency` found, and how it searched."""

    method: Method
    scenarios_tried: int
    space_classes: int
    space_raw: int | None
    limit: int
    classes: Mapping[str, tuple[Value, ...]]
    promise_checks: int
    promise_every: int | None
    findings: tuple[Finding, ...]
    max_examples: int | None = None

    @property
    def failed(self) -> bool:
        """True iff a finding is neither informational nor accepted."""
        return any(finding.status == "failing" for finding in self.findings)

    def by_status(self, status: FindingStatus) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.status == status)

    @property
    def defaults(self) -> dict[str, Value]:
        return {name: options[0] for name, options in self.classes.items()}

    def to_json(self) -> dict[str, Any]:
        """A plain dict in a fixed order: the same input gives the same dict."""
        return {
            "failed": self.failed,
            "method": self.method,
            "exact": self.method == "exhaustive",
            "scenarios_tried": self.scenarios_tried,
            "space": {
                "classes": self.space_classes,
                "raw": self.space_raw,
                "limit": self.limit,
                "variables": {name: list(options) for name, options in self.classes.items()},
            },
            "max_examples": self.max_examples,
            "promises": {
                "checked_on": self.promise_checks,
                "every": self.promise_every,
                "termination_checked_on": self.scenarios_tried,
            },
            "summary": {status: len(self.by_status(status)) for status in _STATUS_ORDER},
            "findings": [finding.to_json() for finding in self.findings],
        }

    def render_text(self, width: int = 100) -> str:
        """The report for a terminal: how it searched, then each finding, failures first."""
        lines = [f"Consistency check: {self._search_line()}"]
        raw = f"{self.space_raw:,} raw scenarios" if self.space_raw is not None else "infinitely many raw scenarios (a continuous number)"
        lines.append(f"  scenario space: {self.space_classes:,} classes of equivalent scenarios, {raw}")
        lines.append(f"  engine promises: {self._promise_line()}")
        labels: dict[FindingStatus, str] = {"failing": "FAIL", "accepted": "known", "informational": "info"}
        for finding in self.findings:
            lines.append("")
            lines.append(f"{labels[finding.status]:<6}{finding.title}")
            body = textwrap.wrap(finding.message, width=width - 6)
            if finding.status == "accepted" and finding.accepted is not None:
                body += textwrap.wrap(f"accepted as {finding.accepted.name}: {finding.accepted.reason}", width=width - 6)
            if finding.scenario is not None:
                body += textwrap.wrap(f"smallest scenario: {self._show(finding.scenario)}", width=width - 6)
            lines.extend(" " * 6 + line for line in body)
        counts = {status: len(self.by_status(status)) for status in _STATUS_ORDER}
        tail = f"{counts['accepted']} accepted, {counts['informational']} informational"
        lines.append("")
        if self.failed:
            lines.append(f"FAILED: {counts['failing']} finding{'s' if counts['failing'] != 1 else ''} to fix ({tail})")
        else:
            lines.append(f"PASSED: nothing to fix ({tail})")
        return "\n".join(lines) + "\n"

    def _search_line(self) -> str:
        if self.method == "exhaustive":
            return f"exhaustive, {self.scenarios_tried:,} scenarios tried, one per class (exact)"
        return (
            f"hypothesis, {self.scenarios_tried:,} scenarios tried ({self.space_classes:,} classes exceed the limit of "
            f"{self.limit:,}; {self.max_examples:,} examples drawn, findings shrunk; dead and shadowed rules are evidence, not proof)"
        )

    def _promise_line(self) -> str:
        every = f" (one in every {self.promise_every}, in simplicity order)" if self.promise_every and self.promise_every > 1 else ""
        return f"order and trace promises checked on {self.promise_checks:,} of {self.scenarios_tried:,} scenarios{every}; termination on all"

    def _show(self, scenario: Mapping[str, Value]) -> str:
        defaults = self.defaults
        changed = [f"{name}={yaml_scalar(value)}" for name, value in scenario.items() if value != defaults[name]]
        rest = "every other variable at its default" if changed else "every variable at its default"
        return ", ".join([*changed, f"{rest} (false, lowest level, minimum)"])


class _Findings:
    """Turns what the search observed into findings, each with its smallest scenario.

    Every search for a smallest scenario runs first; counts, dead rules and
    shadowed rules are taken afterwards, from every scenario tried, so that a
    scenario met while shrinking counts too.
    """

    def __init__(self, engine: Engine, observer: _Observer, search: _Exhaustive | _Sampled) -> None:
        self.rule_base = engine.rule_base
        self.observer = observer
        self.search = search
        self.caveat = " The search was sampled, so this is evidence, not proof." if search.method == "hypothesis" else ""

    def all(self) -> list[Finding]:
        illustrations = {rule_id: self._first_firing_point(rule_id) for rule_id in self._shadowers()}
        points = self._key_points()
        keyed = [self._keyed(key, point) for key, point in points.items()]
        shadowed = [
            self._shadowed(rule_id, shadowers, illustrations.get(rule_id) or self.observer.points[min(self.observer.fired_in[rule_id])])
            for rule_id, shadowers in self._shadowers().items()
        ]
        return [*keyed, *self._dead(), *shadowed]

    def _smallest(self, shows: Callable[[_Observation], bool], promises: bool, seen: Callable[[], Point]) -> Point:
        """The search's smallest point; if it cannot find one again, the first point `seen` to show it."""
        found = self.search.minimal(shows, promises)
        return found if found is not None else seen()

    def _key_points(self) -> dict[_Key, Point]:
        """The smallest point of every key, including keys first met while shrinking another."""
        points: dict[_Key, Point] = {}
        while pending := sorted(self.observer.keys() - points.keys()):
            for key in pending:
                points[key] = self._smallest_showing(key)
        return points

    def _smallest_showing(self, key: _Key) -> Point:
        def shows(observation: _Observation) -> bool:
            return key in observation.shows

        def first_seen() -> Point:
            return self.observer.first(key)

        return self._smallest(shows, _sampled_promise(key), first_seen)

    def _keyed(self, key: _Key, point: Point) -> Finding:
        evidence = self.observer.observe(point, _sampled_promise(key)).shows[key]
        count = self.observer.count(key)
        tried = self.observer.promise_checks if _sampled_promise(key) else len(self.observer.points)
        seen = f"Seen in {count:,} of {tried:,} scenarios tried."
        kind, *rest = key
        question: str | None = None
        if kind == "self-conflict":
            expert, question = rest
            subject = f"{expert} on {question}"
            message = f"{expert}'s rules allow no outcome for {question} together: {evidence.text}. {seen}"
        elif kind == "disagreement":
            question, one, other = rest
            subject = f"{one} and {other} on {question}"
            message = f"{one} and {other} part ways on {question}: in the smallest such scenario, {evidence.text}. {seen}"
        elif kind == "invariant":
            invariant = next(item for item in self.rule_base.checks.invariants if item.name == rest[0])
            subject, question = invariant.name, invariant.require.question
            message = f"In the smallest scenario that breaks it, {evidence.text}. The invariant's reason: {invariant.reason} {seen}"
        else:
            subject = rest[0]
            message = f"The engine promises that {PROMISES[subject]}, but {evidence.text}. {seen}"
        return Finding(
            kind=_KINDS[kind],
            subject=subject,
            message=message,
            question=question,
            experts=evidence.experts,
            rules=evidence.rules,
            scenario=self.observer.space.values(point),
            scenarios=count,
        )

    def _dead(self) -> list[Finding]:
        tried = len(self.observer.points)
        return [
            Finding(
                kind="dead-rule",
                subject=rule.id,
                message=f"{rule.id} fires in none of the {tried:,} scenarios tried; its condition never holds: "
                f"{describe_condition(rule.when)}.{self.caveat}",
                question=rule.then.question if isinstance(rule.then, StanceConclusion) else None,
                experts=(rule.expert,),
                rules=(rule.id,),
            )
            for rule in self.rule_base.rules
            if not self.observer.fired_in[rule.id]
        ]

    def _shadowers(self) -> dict[str, tuple[str, ...]]:
        """Each shadowed rule and the rules that shadow it, judged on every scenario tried so far."""
        fired_in = self.observer.fired_in
        found: dict[str, tuple[str, ...]] = {}
        for rule in self.rule_base.rules:
            if not fired_in[rule.id]:
                continue
            shadowers = []
            for other in self.rule_base.rules:
                if other.id == rule.id or other.expert != rule.expert:
                    continue
                if not (self._implies(other, rule) and fired_in[rule.id] <= fired_in[other.id]):
                    continue
                mutual = self._implies(rule, other) and fired_in[rule.id] == fired_in[other.id]
                if mutual and rule.id < other.id:
                    continue
                shadowers.append(other.id)
            if shadowers:
                found[rule.id] = tuple(sorted(shadowers))
        return found

    def _implies(self, rule: Rule, other: Rule) -> bool:
        """Whether `rule`'s conclusion already says everything `other`'s does."""
        if isinstance(rule.then, FactConclusion) or isinstance(other.then, FactConclusion):
            return isinstance(rule.then, FactConclusion) and isinstance(other.then, FactConclusion) and rule.then.fact == other.then.fact
        if rule.then.question != other.then.question:
            return False
        scale = self.rule_base.vocabulary.questions[rule.then.question].outcomes
        return set(allowed(rule.then.op, rule.then.values, scale)) <= set(allowed(other.then.op, other.then.values, scale))

    def _first_firing_point(self, rule_id: str) -> Point:
        """The smallest point where `rule_id` fires."""

        def fires(observation: _Observation) -> bool:
            return rule_id in observation.fired

        def first_seen() -> Point:
            return self.observer.points[min(self.observer.fired_in[rule_id])]

        return self._smallest(fires, False, first_seen)

    def _shadowed(self, rule_id: str, shadowers: tuple[str, ...], point: Point) -> Finding:
        rule = self.rule_base.rule(rule_id)
        count = len(self.observer.fired_in[rule_id])
        said = "; ".join(f"{other} ({describe_conclusion(self.rule_base.rule(other))})" for other in shadowers)
        return Finding(
            kind="shadowed-rule",
            subject=rule_id,
            message=f"{rule_id} ({describe_conclusion(rule)}) adds nothing: in each of the {count:,} scenarios tried where it fires, "
            f"{said} {'fires' if len(shadowers) == 1 else 'fire'} too and already {'says' if len(shadowers) == 1 else 'say'} as much."
            f"{self.caveat}",
            question=rule.then.question if isinstance(rule.then, StanceConclusion) else None,
            experts=(rule.expert,),
            rules=(rule_id, *shadowers),
            scenario=self.observer.space.values(point),
            scenarios=count,
        )


def _sampled_promise(key: _Key) -> bool:
    """Whether `key` is a promise checked only on the sample of scenarios."""
    return key[0] == "promise" and key[1] in _SAMPLED_PROMISES


_KINDS: dict[str, FindingKind] = {
    "self-conflict": "self-conflict",
    "disagreement": "disagreement",
    "invariant": "invariant",
    "promise": "promise",
}


def _acceptance(finding: Finding, accepted: Iterable[Accepted]) -> Accepted | None:
    for declaration in accepted:
        if declaration.kind != finding.kind:
            continue
        if declaration.kind == "self-conflict" and finding.experts[:1] == (declaration.expert,) and finding.question == declaration.question:
            return declaration
        if declaration.kind != "self-conflict" and finding.rules[:1] == (declaration.rule,):
            return declaration
    return None


def _unused(declaration: Accepted, tried: int) -> Finding:
    target = f"{declaration.expert} on {declaration.question}" if declaration.kind == "self-conflict" else str(declaration.rule)
    return Finding(
        "unused-acceptance",
        declaration.name,
        f"checks.yaml accepts the {declaration.kind} {target}, but none was found in the {tried:,} scenarios tried; "
        "if the rules changed, the declaration can go.",
        question=declaration.question,
        experts=(declaration.expert,) if declaration.expert else (),
        rules=(declaration.rule,) if declaration.rule else (),
        accepted=declaration,
    )


def _order(finding: Finding) -> tuple[int, int, str]:
    return (_STATUS_ORDER[finding.status], KIND_ORDER.index(finding.kind), finding.subject)


def run_consistency(
    engine: Engine,
    *,
    limit: int = 50_000,
    progress: Progress | None = None,
    max_examples: int = 1_000,
    promise_sample: int = 100,
    seed: int = 0,
) -> ConsistencyReport:
    """Search the rule base's scenario space for what breaks; see the module docstring.

    `limit`: search every class when there are at most this many, else use
    hypothesis with `max_examples` draws and a fixed `seed`.
    `progress(done, total)` is called after each scenario of the search
    (not while shrinking); `done` rises and reaches `total` once, at the end. `promise_sample` bounds how many scenarios get the
    order and trace promise checks, which cost two more engine runs each.

        report = run_consistency(Engine.open(Path("rules")))
        print(report.render_text())
        sys.exit(1 if report.failed else 0)
    """
    space = ScenarioSpace.of(engine.rule_base)
    observer = _Observer(engine, space)
    search: _Exhaustive | _Sampled
    if space.size <= limit:
        search = _Exhaustive(observer, progress, promise_sample)
    else:
        search = _Sampled(observer, progress, promise_sample, max_examples, seed)
    search.explore()
    found = _Findings(engine, observer, search).all()
    accepted = engine.rule_base.checks.accepted
    found = [replace(finding, accepted=_acceptance(finding, accepted)) for finding in found]
    used = {finding.accepted.name for finding in found if finding.accepted is not None}
    found += [_unused(declaration, len(observer.points)) for declaration in accepted if declaration.name not in used]
    return ConsistencyReport(
        method=search.method,
        scenarios_tried=len(observer.points),
        space_classes=space.size,
        space_raw=space.raw_size,
        limit=limit,
        classes=dict(space.classes),
        promise_checks=observer.promise_checks,
        promise_every=search.every if isinstance(search, _Exhaustive) else None,
        findings=tuple(sorted(found, key=_order)),
        max_examples=max_examples if isinstance(search, _Sampled) else None,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def write_counterexamples(report: ConsistencyReport, directory: Path, vocabulary: Vocabulary) -> list[Path]:
    """Write each finding's smallest scenario as a runnable scenario file; return the paths.

    Files are named `NN-kind-subject.yaml`, numbered in report order, and
    start with a comment saying what they show. `forecast FILE` runs one.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number, finding in enumerate(report.findings, 1):
        if finding.scenario is None:
            continue
        status = f"known, accepted as {finding.accepted.name}" if finding.accepted is not None else _STATUS_WORDS[finding.status]
        header = "\n".join(
            [
                "Counterexample from the consistency check (forecast check --consistency).",
                f"Shows {finding.title} ({status}).",
                *textwrap.wrap(finding.message, width=76),
                "Run it: forecast <this file>",
            ]
        )
        path = directory / f"{number:02d}-{finding.kind}-{_slug(finding.subject)}.yaml"
        path.write_text(render_scenario(vocabulary, finding.title, finding.scenario, description=finding.message, header=header), encoding="utf-8")
        written.append(path)
    return written


__all__ = [
    "INFORMATIONAL",
    "PROMISES",
    "Breach",
    "ConsistencyReport",
    "Finding",
    "FindingKind",
    "Point",
    "ScenarioSpace",
    "compare",
    "condition_holds",
    "describe_condition",
    "invariant_breach",
    "run_consistency",
    "write_counterexamples",
]

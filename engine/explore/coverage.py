"""Coverage: which rules fire, which branches hold and which outcomes the experts address, over a suite of scenarios.

- A rule is covered when it fires in some scenario of the suite; a branch
  (an alternative of its condition in normal form) when that branch holds.
  A branch that only ever holds beside another of its rule's is covered but
  not tested on its own: the report says which ("never alone").
- An uncertain scenario covers whatever fires in some class its inputs give a
  probability above 0 (at the high end of a likelihood word's range): every
  such class is enumerated, or past `LIMIT` classes, `SAMPLES` of them drawn
  with a fixed seed (the report says so).
- An outcome of a question is addressed when, in some scenario, an expert's
  fired claim rates an event that contains it or raises it as possible
  (VERDICTS.md section 7). When the scenario space has at most `LIMIT`
  classes, each is tried too, to tell the outcomes the suite misses from
  those no claim can ever address.

The percentage `check --min-coverage` holds to is the share of rules covered.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from itertools import product
from pathlib import Path

from engine.explore.glance import Glance, Glancer
from engine.language import Value, branches
from engine.model import Between, ChanceRange, Chances, Input, Scenario
from engine.pipeline import Engine
from engine.records import record
from engine.resolve.probability import LIMIT, SAMPLES
from engine.space import Point


@record
class ScenarioCoverage:
    """One scenario of the suite: how many classes it stands for, and whether they were sampled."""

    path: str
    name: str
    certain: bool
    classes: int
    sampled: bool


@record
class RuleCoverage:
    """One rule: the scenarios it fires in, and for each branch of its condition, the scenarios it holds in.

    `alone[i]` are the scenarios where branch i is the only branch of the
    rule that holds: where it, and not a sibling, makes the rule fire.
    """

    rule: str
    expert: str
    fired_in: tuple[str, ...]
    branches: tuple[tuple[str, ...], ...]
    alone: tuple[tuple[str, ...], ...]

    @property
    def covered(self) -> bool:
        return bool(self.fired_in)


@record
class OutcomeCoverage:
    """One outcome of one question: the scenarios whose experts' claims address it, and whether a claim ever can."""

    question: str
    outcome: str
    addressed_in: tuple[str, ...]
    addressable: bool | None
    """Whether some class of the scenario space addresses it; None when the space is too large to search."""


@record
class Coverage:
    scenarios: tuple[ScenarioCoverage, ...]
    rules: tuple[RuleCoverage, ...]
    outcomes: tuple[OutcomeCoverage, ...]

    @property
    def rule_percent(self) -> float:
        return _percent(sum(rule.covered for rule in self.rules), len(self.rules))

    @property
    def branch_count(self) -> int:
        return sum(len(rule.branches) for rule in self.rules)

    @property
    def branches_covered(self) -> int:
        return sum(1 for rule in self.rules for branch in rule.branches if branch)

    @property
    def branch_percent(self) -> float:
        return _percent(self.branches_covered, self.branch_count)

    @property
    def branches_alone(self) -> int:
        return sum(1 for rule in self.rules for branch in rule.alone if branch)

    @property
    def searched(self) -> bool:
        """Whether every class of the scenario space was tried for the outcomes."""
        return all(outcome.addressable is not None for outcome in self.outcomes)

    @property
    def addressable_outcomes(self) -> tuple[OutcomeCoverage, ...]:
        """The outcomes some claim can address (all of them when the space was not searched)."""
        return tuple(outcome for outcome in self.outcomes if outcome.addressable is not False)

    @property
    def outcome_percent(self) -> float:
        addressable = self.addressable_outcomes
        return _percent(sum(1 for outcome in addressable if outcome.addressed_in), len(addressable))


def _percent(part: int, whole: int) -> float:
    return 100.0 if whole == 0 else 100.0 * part / whole


def _support(glancer: Glancer, name: str, given: Input) -> list[int]:
    """The classes of `name` that an input gives a probability above 0 (at some end of a word's range)."""
    space = glancer.space
    if isinstance(given, Between):
        return sorted(space.class_counts(name, given.low, given.high))
    values: list[Value]
    if isinstance(given, ChanceRange):
        values = [value for value, possible in ((False, given.low < 1), (True, given.high > 0)) if possible]
    elif isinstance(given, Chances):
        values = [value for value, weight in zip(given.values, given.weights, strict=True) if weight > 0]
    else:
        values = [given]
    return sorted({space.class_of(name, value) for value in values})


def scenario_points(glancer: Glancer, scenario: Scenario, limit: int = LIMIT, samples: int = SAMPLES) -> tuple[list[Point], bool]:
    """The classes a scenario can be in: every one when they are at most `limit`, else `samples` drawn (seeded); and whether drawn."""
    inputs = scenario.inputs
    options = [_support(glancer, name, inputs[name]) for name in glancer.vocabulary.variables]
    if math.prod(len(option) for option in options) <= limit:
        return list(product(*options)), False
    rng = random.Random(0)
    return sorted({tuple(rng.choice(option) for option in options) for _ in range(samples)}), True


def coverage(
    engine: Engine,
    scenarios: Sequence[tuple[str, Scenario]],
    *,
    limit: int = LIMIT,
    glancer: Glancer | None = None,
) -> Coverage:
    """The coverage of a suite: each scenario with the path it was read from."""
    glancer = glancer or Glancer(engine)
    rule_base = engine.rule_base
    fired_in: dict[str, list[str]] = {rule.id: [] for rule in rule_base.rules}
    branch_in: dict[tuple[str, int], list[str]] = {}
    alone_in: dict[tuple[str, int], list[str]] = {}
    addressed: dict[tuple[str, str], list[str]] = {}
    summaries = []
    for path, scenario in scenarios:
        points, sampled = scenario_points(glancer, scenario, limit)
        summaries.append(ScenarioCoverage(path, scenario.name, scenario.certain, len(points), sampled))
        glances = [glancer.at(point) for point in points]
        _tally(glances, path, fired_in, branch_in, alone_in, addressed)
    addressable: set[tuple[str, str]] | None = None
    if glancer.space.size <= limit:
        addressable = set()
        for point in product(*(range(len(values)) for values in glancer.space.classes.values())):
            for question in glancer.at(point).questions.values():
                addressable.update((question.id, outcome) for outcome in question.verdict.addressed)
    rules = tuple(
        RuleCoverage(
            rule.id,
            rule.expert,
            tuple(fired_in[rule.id]),
            tuple(tuple(branch_in.get((rule.id, index), ())) for index in range(len(branches(rule.when)))),
            tuple(tuple(alone_in.get((rule.id, index), ())) for index in range(len(branches(rule.when)))),
        )
        for rule in rule_base.rules
    )
    outcomes = tuple(
        OutcomeCoverage(
            question_id,
            outcome,
            tuple(addressed.get((question_id, outcome), ())),
            None if addressable is None else (question_id, outcome) in addressable,
        )
        for question_id, question in engine.vocabulary.questions.items()
        for outcome in question.outcomes
    )
    return Coverage(scenarios=tuple(summaries), rules=rules, outcomes=outcomes)


def _tally(
    glances: Iterable[Glance],
    path: str,
    fired_in: dict[str, list[str]],
    branch_in: dict[tuple[str, int], list[str]],
    alone_in: dict[tuple[str, int], list[str]],
    addressed: dict[tuple[str, str], list[str]],
) -> None:
    fired: set[str] = set()
    held: set[tuple[str, int]] = set()
    alone: set[tuple[str, int]] = set()
    outcomes: set[tuple[str, str]] = set()
    for glance in glances:
        fired |= glance.fired
        held |= glance.branches
        count: dict[str, int] = {}
        for rule_id, _ in glance.branches:
            count[rule_id] = count.get(rule_id, 0) + 1
        alone.update(branch for branch in glance.branches if count[branch[0]] == 1)
        for question in glance.questions.values():
            outcomes.update((question.id, outcome) for outcome in question.verdict.addressed)
    for rule_id in sorted(fired):
        fired_in[rule_id].append(path)
    for branch in sorted(held):
        branch_in.setdefault(branch, []).append(path)
    for branch in sorted(alone):
        alone_in.setdefault(branch, []).append(path)
    for key in sorted(outcomes):
        addressed.setdefault(key, []).append(path)


def read_suite(engine: Engine, paths: Iterable[Path]) -> list[tuple[str, Scenario]]:
    """Each scenario file read against the engine's rule base, with its path as given."""
    return [(path.as_posix(), engine.read_scenario(path)) for path in paths]

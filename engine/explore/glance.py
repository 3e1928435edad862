"""A scenario's forecast at a glance: each expert's stance and each question's outcome and status.

Exploring a scenario (its flips, a sweep, the coverage of a suite) forecasts
many neighbouring scenarios and compares them. It needs neither traces nor
probabilities, only which rules fired and what that means for each question,
so a `Glancer` runs the compiled matcher (proven equal to durable_rules)
and resolves stances as `engine.resolve.stances` does, without the traces.
Two scenarios in the same class of the scenario space get the same glance,
so each class is evaluated once.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.language import StanceClaim, Value, allowed
from engine.matching.compiled import CompiledMatcher
from engine.model import QuestionStatus
from engine.pipeline import Engine
from engine.records import record
from engine.resolve.stances import combine_outcomes
from engine.space import Point, ScenarioSpace


@record
class StanceGlance:
    """One expert's stance: the outcomes their fired rules allow together (none: a self-conflict), and those rules (as written)."""

    expert: str
    outcomes: tuple[str, ...]
    rules: tuple[str, ...]

    @property
    def self_conflict(self) -> bool:
        return not self.outcomes


@record
class QuestionGlance:
    """One question: the stances of the experts who spoke, in experts.yaml order, and the combined outcome and status."""

    id: str
    stances: tuple[StanceGlance, ...]
    outcome: tuple[str, ...]
    status: QuestionStatus

    def stance(self, expert: str) -> StanceGlance | None:
        return next((stance for stance in self.stances if stance.expert == expert), None)

    @property
    def key(self) -> tuple[tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...], str]:
        """What a change is measured on: each expert's outcomes, the combined outcome and the status."""
        return tuple((stance.expert, stance.outcomes) for stance in self.stances), self.outcome, self.status


@record
class Glance:
    """Which rules and branches fired, which facts were derived, and each question in short."""

    fired: frozenset[str]
    branches: frozenset[tuple[str, int]]
    facts: frozenset[str]
    questions: Mapping[str, QuestionGlance]


class Glancer:
    """Glances at scenarios of one engine's rule base, once per class of its rule-only scenario space."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.rule_base = engine.rule_base
        self.vocabulary = engine.vocabulary
        self.space = ScenarioSpace.of(engine.rule_base, invariants=False)
        matcher = engine.matcher
        self.matcher = matcher if isinstance(matcher, CompiledMatcher) else CompiledMatcher(engine.program)
        self._names = tuple(self.vocabulary.variables)
        self._memo: dict[Point, Glance] = {}
        order = {name: position for position, name in enumerate(self.rule_base.experts)}
        self._stance_rules: dict[str, tuple[str, str, frozenset[str]]] = {}
        for rule in self.rule_base.rules:
            if isinstance(rule.then, StanceClaim):
                scale = self.vocabulary.questions[rule.then.question].outcomes
                self._stance_rules[rule.id] = (rule.then.question, rule.expert, frozenset(allowed(rule.then.op, rule.then.values, scale)))
        self._order = order
        self._rule_order = {rule.id: position for position, rule in enumerate(self.rule_base.rules)}
        self.evaluations = 0
        """How many classes were evaluated (each once)."""

    def point(self, values: Mapping[str, Value]) -> Point:
        """The class of a scenario (every variable given, each of its kind)."""
        return tuple(self.space.class_of(name, values[name]) for name in self._names)

    def glance(self, values: Mapping[str, Value]) -> Glance:
        """The glance of a scenario whose values are already checked (`engine.load.scenario.check_values`)."""
        return self.at(self.point(values))

    def at(self, point: Point) -> Glance:
        """The glance of a class of the scenario space."""
        found = self._memo.get(point)
        if found is None:
            found = self._evaluate(point)
            self._memo[point] = found
        return found

    def _evaluate(self, point: Point) -> Glance:
        self.evaluations += 1
        values = self.space.values(point)
        firings = self.matcher.run_encoded(self.engine.program.encode(values))
        fired = frozenset(firing.rule_id for firing in firings)
        facts = frozenset(fact for rule_id, fact in self.engine.program.rule_facts.items() if rule_id in fired)
        said: dict[str, dict[str, list[str]]] = {}
        for rule_id in sorted(fired, key=self._rule_order.__getitem__):
            stance_rule = self._stance_rules.get(rule_id)
            if stance_rule is not None:
                said.setdefault(stance_rule[0], {}).setdefault(stance_rule[1], []).append(rule_id)
        questions: dict[str, QuestionGlance] = {}
        for question_id, question in self.vocabulary.questions.items():
            by_expert = said.get(question_id, {})
            stances = []
            for expert in sorted(by_expert, key=lambda name: (self._order.get(name, len(self._order)), name)):
                common = set(question.outcomes)
                for rule_id in by_expert[expert]:
                    common &= self._stance_rules[rule_id][2]
                outcomes = tuple(outcome for outcome in question.outcomes if outcome in common)
                stances.append(StanceGlance(expert, outcomes, tuple(by_expert[expert])))
            outcome, status = combine_outcomes([stance.outcomes for stance in stances], question.outcomes)
            questions[question_id] = QuestionGlance(question_id, tuple(stances), outcome, status)
        return Glance(
            fired=fired,
            branches=frozenset((firing.rule_id, firing.branch) for firing in firings),
            facts=facts,
            questions=questions,
        )

"""A scenario's forecast at a glance: each speaker's stance and each question's verdict.

Exploring a scenario (its flips, a sweep, the coverage of a suite) forecasts
many neighbouring scenarios and compares them. It needs neither traces nor
probabilities, only which rules fired and what that means for each question,
so a `Glancer` runs the compiled matcher (proven equal to durable_rules)
and asks the engine's judge for each question's verdict, without the traces.
Two scenarios in the same class of the scenario space get the same glance,
so each class is evaluated once.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.language import StanceClaim, Value, allowed
from engine.matching.compiled import CompiledMatcher
from engine.pipeline import Engine
from engine.records import record
from engine.resolve.verdict import Status, Verdict
from engine.space import Point, ScenarioSpace


@record
class StanceGlance:
    """One speaker's stance: what their fired rules conclude (taken at their word), those rules, and what they favour."""

    expert: str
    outcomes: tuple[str, ...]
    rules: tuple[str, ...]
    favours: tuple[str, ...] | None = None
    self_conflict: bool = False
    """The speaker's ranges admit no distribution."""


@record
class QuestionGlance:
    """One question: the stances of the speakers, in experts.yaml order, and the verdict."""

    id: str
    scale: tuple[str, ...]
    stances: tuple[StanceGlance, ...]
    verdict: Verdict

    @property
    def status(self) -> Status:
        return self.verdict.status

    def stance(self, expert: str) -> StanceGlance | None:
        return next((stance for stance in self.stances if stance.expert == expert), None)

    @property
    def key(self) -> tuple[object, ...]:
        """What a change is measured on (VERDICTS.md section 7): the status, who speaks, what is favoured, who is in a conflict."""
        verdict = self.verdict
        return (
            verdict.status,
            tuple((stance.expert, stance.favours, stance.self_conflict) for stance in self.stances),
            verdict.favours,
            verdict.conflicting,
        )


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
        self.judge = engine.resolver.judge
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
            verdict = self.judge.verdict(question_id, fired)
            stances = []
            for expert in sorted(by_expert, key=lambda name: (self._order.get(name, len(self._order)), name)):
                common = set(question.outcomes)
                for rule_id in by_expert[expert]:
                    common &= self._stance_rules[rule_id][2]
                outcomes = tuple(outcome for outcome in question.outcomes if outcome in common)
                view = verdict.views.get(expert) or verdict.others[expert]
                stances.append(StanceGlance(expert, outcomes, tuple(by_expert[expert]), view.favours, view.bounds is None))
            questions[question_id] = QuestionGlance(question_id, question.outcomes, tuple(stances), verdict)
        return Glance(
            fired=fired,
            branches=frozenset((firing.rule_id, firing.branch) for firing in firings),
            facts=facts,
            questions=questions,
        )

"""Turn firings into stances, combined outcomes and reasoning traces.

For each question and expert, the outcomes an expert allows are the
intersection of what each of their fired rules allows; an empty
intersection is that expert's self-conflict, and every rule in it is kept.
Across experts, the combined outcome is the intersection of all stances:
`consensus` when every stance allows the same outcomes, `compatible` when
they differ but overlap, `conflict` when nothing is left (within one expert
or between experts), `no-stance` when no rule spoke.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from engine.compile import Branch, FactLiteral, Program, Value, VarLiteral
from engine.load import RuleBase
from engine.matcher import Firing
from engine.model import OP_WORDS, ExpertKind, FactConclusion, Op, Rule, StanceConclusion, Vocabulary
from engine.quotes import Span

QuestionStatus = Literal["consensus", "compatible", "conflict", "no-stance"]
StanceStatus = Literal["stated", "self-conflict"]


def allowed(op: Op, values: Sequence[Value], scale: Sequence[str]) -> tuple[str, ...]:
    """The outcomes of `scale` that `op values` permits, in scale order."""
    named = {str(value) for value in values}
    if op is Op.IS or op is Op.IN:
        keep = named
    elif op is Op.IS_NOT or op is Op.NOT_IN:
        keep = set(scale) - named
    else:
        at = scale.index(str(values[0]))
        start, stop = {
            Op.AT_LEAST: (at, len(scale)),
            Op.AT_MOST: (0, at + 1),
            Op.ABOVE: (at + 1, len(scale)),
            Op.BELOW: (0, at),
        }[op]
        keep = set(scale[start:stop])
    return tuple(outcome for outcome in scale if outcome in keep)


def describe_literal(literal: VarLiteral | FactLiteral) -> str:
    if isinstance(literal, FactLiteral):
        return f"fact {literal.fact}" if literal.positive else f"no fact {literal.fact}"
    shown = ", ".join(_show(value) for value in literal.values)
    if literal.op.takes_list:
        shown = f"[{shown}]"
    return f"{literal.var} {OP_WORDS[literal.op]} {shown}"


def describe_stance(stance: StanceConclusion) -> str:
    shown = ", ".join(str(value) for value in stance.values)
    if stance.op.takes_list:
        shown = f"[{shown}]"
    return f"{stance.question} {OP_WORDS[stance.op]} {shown}"


def describe_conclusion(rule: Rule) -> str:
    if isinstance(rule.then, FactConclusion):
        return f"fact {rule.then.fact}"
    return describe_stance(rule.then)


def _show(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class MatchedCondition:
    """One condition of a fired branch, with what it matched."""

    text: str
    matched: str


@dataclass(frozen=True)
class Step:
    """One fired rule in a chain of reasoning."""

    rule: str
    expert: str
    expert_kind: ExpertKind
    branch: int
    conditions: tuple[MatchedCondition, ...]
    concludes: str
    hedge: str | None
    quote: str | None
    seed: str | None
    span: Span | None
    context: tuple[tuple[str, Span | None], ...]
    assumption: str | None
    note: str | None

    @property
    def is_assumption(self) -> bool:
        return self.expert_kind is ExpertKind.ANALYST


@dataclass(frozen=True)
class Stance:
    expert: str
    outcomes: tuple[str, ...]
    status: StanceStatus
    rules: tuple[str, ...]
    hedges: tuple[str, ...]
    trace: tuple[Step, ...]

    @property
    def rests_on_assumption(self) -> bool:
        return any(step.is_assumption for step in self.trace)


@dataclass(frozen=True)
class QuestionResult:
    id: str
    text: str
    scale: tuple[str, ...]
    outcome: tuple[str, ...]
    status: QuestionStatus
    stances: tuple[Stance, ...]


@dataclass(frozen=True)
class Forecast:
    """Everything one scenario yields."""

    values: Mapping[str, Value]
    questions: tuple[QuestionResult, ...]
    facts: Mapping[str, tuple[str, ...]]
    firings: tuple[Firing, ...]

    def question(self, question_id: str) -> QuestionResult:
        for result in self.questions:
            if result.id == question_id:
                return result
        raise KeyError(question_id)


def combine(stances: Sequence[Stance], scale: Sequence[str]) -> tuple[tuple[str, ...], QuestionStatus]:
    """The combined outcome and status of a question's stances."""
    if not stances:
        return (), "no-stance"
    common = set(scale)
    for stance in stances:
        common &= set(stance.outcomes)
    outcome = tuple(value for value in scale if value in common)
    if not outcome:
        return (), "conflict"
    if all(stance.outcomes == stances[0].outcomes for stance in stances):
        return outcome, "consensus"
    return outcome, "compatible"


class Resolver:
    """Builds `Forecast`s for one validated, compiled rule base."""

    def __init__(self, rule_base: RuleBase, program: Program) -> None:
        self.rule_base = rule_base
        self.program = program
        self.rules = {rule.id: rule for rule in rule_base.rules}
        self.branches: dict[tuple[str, int], Branch] = {
            (branch.rule_id, branch.index): branch for stratum in program.strata for branch in stratum.branches.values()
        }
        self.expert_order = {name: position for position, name in enumerate(rule_base.experts)}
        self._spans: dict[tuple[str, str], Span | None] = {}

    @property
    def vocabulary(self) -> Vocabulary:
        return self.rule_base.vocabulary

    def resolve(self, values: Mapping[str, Value], firings: Sequence[Firing]) -> Forecast:
        support: dict[str, list[Firing]] = {}
        for firing in firings:
            fact = self.program.rule_facts.get(firing.rule_id)
            if fact is not None:
                support.setdefault(fact, []).append(firing)
        questions = []
        for question_id, question in self.vocabulary.questions.items():
            by_expert: dict[str, list[Firing]] = {}
            for firing in firings:
                then = self.rules[firing.rule_id].then
                if isinstance(then, StanceConclusion) and then.question == question_id:
                    by_expert.setdefault(self.rules[firing.rule_id].expert, []).append(firing)
            stances = tuple(
                self._stance(expert, by_expert[expert], question.outcomes, values, support)
                for expert in sorted(by_expert, key=lambda name: (self.expert_order.get(name, len(self.expert_order)), name))
            )
            outcome, status = combine(stances, question.outcomes)
            questions.append(
                QuestionResult(id=question_id, text=question.text, scale=question.outcomes, outcome=outcome, status=status, stances=stances)
            )
        facts = {fact: tuple(sorted({firing.rule_id for firing in supporters})) for fact, supporters in sorted(support.items())}
        return Forecast(values=dict(values), questions=tuple(questions), facts=facts, firings=tuple(firings))

    def _stance(
        self,
        expert: str,
        firings: list[Firing],
        scale: tuple[str, ...],
        values: Mapping[str, Value],
        support: Mapping[str, list[Firing]],
    ) -> Stance:
        rule_ids = tuple(sorted({firing.rule_id for firing in firings}))
        common = set(scale)
        for rule_id in rule_ids:
            then = self.rules[rule_id].then
            assert isinstance(then, StanceConclusion)
            common &= set(allowed(then.op, then.values, scale))
        outcomes = tuple(value for value in scale if value in common)
        hedges = tuple(dict.fromkeys(self.rules[rule_id].hedge for rule_id in rule_ids if self.rules[rule_id].hedge))
        return Stance(
            expert=expert,
            outcomes=outcomes,
            status="stated" if outcomes else "self-conflict",
            rules=rule_ids,
            hedges=hedges,  # type: ignore[arg-type]
            trace=self._trace(firings, values, support),
        )

    def _trace(self, firings: Sequence[Firing], values: Mapping[str, Value], support: Mapping[str, list[Firing]]) -> tuple[Step, ...]:
        """The firings behind `firings`, causes before consequences."""
        ordered: list[Firing] = []
        visiting: set[Firing] = set()

        def visit(firing: Firing) -> None:
            if firing in visiting or firing in ordered:
                return
            visiting.add(firing)
            for fact in firing.facts:
                for supporter in support.get(fact, ()):
                    visit(supporter)
            ordered.append(firing)

        for firing in sorted(firings):
            visit(firing)
        return tuple(self._step(firing, values) for firing in ordered)

    def _step(self, firing: Firing, values: Mapping[str, Value]) -> Step:
        rule = self.rules[firing.rule_id]
        branch = self.branches[(firing.rule_id, firing.branch)]
        expert = self.rule_base.experts[rule.expert]
        conditions = tuple(self._condition(literal, values) for literal in branch.literals)
        source = rule.source
        return Step(
            rule=rule.id,
            expert=rule.expert,
            expert_kind=expert.kind,
            branch=firing.branch,
            conditions=conditions,
            concludes=describe_conclusion(rule),
            hedge=rule.hedge,
            quote=source.quote if source else None,
            seed=source.seed if source else None,
            span=self._span(source.seed, source.quote) if source else None,
            context=tuple((text, self._span(source.seed, text)) for text in source.context) if source else (),
            assumption=rule.assumption,
            note=rule.note,
        )

    def _condition(self, literal: VarLiteral | FactLiteral, values: Mapping[str, Value]) -> MatchedCondition:
        if isinstance(literal, FactLiteral):
            if literal.positive:
                return MatchedCondition(describe_literal(literal), "derived in this scenario")
            return MatchedCondition(describe_literal(literal), "no rule derived it")
        return MatchedCondition(describe_literal(literal), f"scenario: {literal.var} = {_show(values[literal.var])}")

    def _span(self, seed: str, text: str) -> Span | None:
        key = (seed, text)
        if key not in self._spans:
            self._spans[key] = self.rule_base.seeds[seed].folded.find(text)
        return self._spans[key]


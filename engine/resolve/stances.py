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

from engine.language import FactLiteral, Literal, StanceClaim, Value, allowed, describe_conclusion, describe_literal, show_plain
from engine.matching.compile import Branch, Program
from engine.matching.matcher import Firing
from engine.model import QuestionStatus, Rule, RuleBase
from engine.resolve.results import Forecast, MatchedCondition, QuestionResult, Stance, Step


def combine(stances: Sequence[Stance], scale: Sequence[str]) -> tuple[tuple[str, ...], QuestionStatus]:
    """The combined outcome and status of a question's stances."""
    return combine_outcomes([stance.outcomes for stance in stances], scale)


def combine_outcomes(allowed_sets: Sequence[Sequence[str]], scale: Sequence[str]) -> tuple[tuple[str, ...], QuestionStatus]:
    """The combined outcome and status of the outcomes each stance allows."""
    if not allowed_sets:
        return (), "no-stance"
    common = set(scale)
    for outcomes in allowed_sets:
        common &= set(outcomes)
    outcome = tuple(value for value in scale if value in common)
    if not outcome:
        return (), "conflict"
    if all(tuple(outcomes) == tuple(allowed_sets[0]) for outcomes in allowed_sets):
        return outcome, "consensus"
    return outcome, "compatible"


def stance_outcomes(rules: Sequence[Rule], scale: Sequence[str]) -> tuple[str, ...]:
    """The outcomes an expert's fired stance rules allow together, in scale order (none: a self-conflict)."""
    common = set(scale)
    for rule in rules:
        assert isinstance(rule.then, StanceClaim)
        common &= set(allowed(rule.then.op, rule.then.values, scale))
    return tuple(value for value in scale if value in common)


class Resolver:
    """Builds `Forecast`s for one validated, compiled rule base."""

    def __init__(self, rule_base: RuleBase, program: Program) -> None:
        self.rule_base = rule_base
        self.program = program
        self.branches: dict[tuple[str, int], Branch] = {
            (branch.rule_id, branch.index): branch for stratum in program.strata for branch in stratum.branches.values()
        }
        self.expert_order = {name: position for position, name in enumerate(rule_base.experts)}

    def resolve(self, values: Mapping[str, Value], firings: Sequence[Firing]) -> Forecast:
        rule = self.rule_base.rule
        support: dict[str, list[Firing]] = {}
        for firing in firings:
            fact = self.program.rule_facts.get(firing.rule_id)
            if fact is not None:
                support.setdefault(fact, []).append(firing)
        questions = []
        for question_id, question in self.rule_base.vocabulary.questions.items():
            by_expert: dict[str, list[Firing]] = {}
            for firing in firings:
                then = rule(firing.rule_id).then
                if isinstance(then, StanceClaim) and then.question == question_id:
                    by_expert.setdefault(rule(firing.rule_id).expert, []).append(firing)
            stances = tuple(
                self._stance(expert, question_id, by_expert[expert], question.outcomes, values, support)
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
        question: str,
        firings: list[Firing],
        scale: tuple[str, ...],
        values: Mapping[str, Value],
        support: Mapping[str, list[Firing]],
    ) -> Stance:
        rules = [self.rule_base.rule(rule_id) for rule_id in sorted({firing.rule_id for firing in firings})]
        outcomes = stance_outcomes(rules, scale)
        accepted = None
        if not outcomes:
            accepted = next(
                (
                    item
                    for item in self.rule_base.checks.accepted
                    if item.kind == "self-conflict" and item.expert == expert and item.question == question
                ),
                None,
            )
        return Stance(
            expert=expert,
            outcomes=outcomes,
            status="stated" if outcomes else "self-conflict",
            rules=tuple(rule.id for rule in rules),
            hedges=tuple(dict.fromkeys(rule.hedge for rule in rules if rule.hedge)),
            trace=self._trace(firings, values, support),
            accepted=accepted,
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
        rule = self.rule_base.rule(firing.rule_id)
        branch = self.branches[(firing.rule_id, firing.branch)]
        source = rule.source
        return Step(
            rule=rule.id,
            expert=rule.expert,
            expert_kind=self.rule_base.experts[rule.expert].kind,
            branch=firing.branch,
            conditions=tuple(_matched(literal, values) for literal in branch.literals),
            concludes=describe_conclusion(rule.then),
            hedge=rule.hedge,
            quote=source.quote if source else None,
            seed=source.seed if source else None,
            span=source.quote_span if source else None,
            context=tuple(zip(source.context, source.context_spans, strict=True)) if source else (),
            assumption=rule.assumption,
            note=rule.note,
        )


def _matched(literal: Literal, values: Mapping[str, Value]) -> MatchedCondition:
    """One literal of a fired branch, and what in the scenario met it."""
    if isinstance(literal, FactLiteral):
        return MatchedCondition(describe_literal(literal), "derived in this scenario" if literal.positive else "no rule derived it")
    return MatchedCondition(describe_literal(literal), f"scenario: {literal.var} = {show_plain(values[literal.var])}")

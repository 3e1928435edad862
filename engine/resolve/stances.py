"""Turn firings into each question's verdict, each speaker's stance and the reasoning traces.

The verdict is `engine.resolve.judge`'s, read with a lexicon (the rule
base's default unless asked). A stance is what one speaker's fired rules on
a question conclude, in their words (`outcomes`: what the conclusions allow
together, taken at their word), with the trace behind it; whether the
speaker contradicts himself is the verdict's: his ranges admit no
distribution.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.language import FactLiteral, Literal, StanceClaim, Value, allowed, describe_conclusion, describe_literal, show_plain
from engine.matching.compile import Branch, Program
from engine.matching.matcher import Firing
from engine.model import LITERAL, Lexicon, Question, Rule, RuleBase
from engine.resolve.judge import Judge
from engine.resolve.results import (
    Forecast,
    ForecastSummary,
    MatchedCondition,
    QuestionResult,
    QuestionSummary,
    Stance,
    StanceSummary,
    Step,
)
from engine.resolve.verdict import Verdict

STANCES_KEPT = 65_536
"""How many distinct stances a resolver keeps for reuse before it starts afresh (bulk work meets the same ones again and again)."""


def stance_outcomes(rules: Sequence[Rule], scale: Sequence[str]) -> tuple[str, ...]:
    """The outcomes an expert's fired stance rules allow together, taken at their word, in scale order."""
    common = set(scale)
    for rule in rules:
        assert isinstance(rule.then, StanceClaim)
        common &= set(allowed(rule.then.op, rule.then.values, scale))
    return tuple(value for value in scale if value in common)


def _default_lexicon(rule_base: RuleBase) -> Lexicon:
    """The rule base's default lexicon; a rule base built in code with none (every loaded one has one) reads its claims literally."""
    if any(lexicon.default for lexicon in rule_base.lexicons.values()):
        return rule_base.lexicon()
    return LITERAL


class Resolver:
    """Builds `Forecast`s (with traces) and `ForecastSummary`s (without) for one validated, compiled rule base."""

    def __init__(self, rule_base: RuleBase, program: Program, judge: Judge | None = None) -> None:
        self.rule_base = rule_base
        self.program = program
        self.judge = judge or Judge(rule_base, _default_lexicon(rule_base))
        """The verdicts, read with the rule base's default lexicon unless another judge is given."""
        self.branches: dict[tuple[str, int], Branch] = {
            (branch.rule_id, branch.index): branch for stratum in program.strata for branch in stratum.branches.values()
        }
        self.expert_order = {name: position for position, name in enumerate(rule_base.experts)}
        self.stance_of: dict[str, tuple[str, str]] = {
            rule.id: (rule.then.question, rule.expert) for rule in rule_base.rules if isinstance(rule.then, StanceClaim)
        }
        """Each stance rule's question and expert."""
        self._stances: dict[tuple[str, str, tuple[str, ...], bool, str], StanceSummary] = {}
        self._words: dict[tuple[str, int], tuple[str, tuple[tuple[str, Literal], ...]]] = {}
        """Each branch's words, made once: what its rule concludes, and each literal described."""

    def resolve(self, values: Mapping[str, Value], firings: Sequence[Firing], judge: Judge | None = None) -> Forecast:
        """The forecast of a scenario, with each stance's trace; its verdicts from `judge` (default: the resolver's)."""
        judge = judge or self.judge
        support = self._support(firings)
        fired = frozenset(firing.rule_id for firing in firings)
        steps: dict[Firing, Step] = {}
        """Each firing's step, made once: a derived fact's firings are in the trace of every stance it supports."""
        questions = []
        for question_id, question, by_expert in self._questions(firings):
            verdict = judge.verdict(question_id, fired)
            stances = tuple(
                self._stance(
                    self._summary(expert, question_id, expert_firings, question.outcomes, verdict, judge.lexicon.name),
                    expert_firings,
                    values,
                    support,
                    steps,
                )
                for expert, expert_firings in by_expert
            )
            questions.append(
                QuestionResult(
                    id=question_id, text=question.text, scale=question.outcomes, status=verdict.status, verdict=verdict, stances=stances
                )
            )
        return Forecast(values=dict(values), questions=tuple(questions), facts=self._facts(support), firings=tuple(firings))

    def summarise(self, values: Mapping[str, Value], firings: Sequence[Firing]) -> ForecastSummary:
        """The forecast of a scenario without traces: the same verdicts and stances as `resolve`, for less."""
        fired = frozenset(firing.rule_id for firing in firings)
        questions = []
        for question_id, question, by_expert in self._questions(firings):
            verdict = self.judge.verdict(question_id, fired)
            stances = tuple(
                self._summary(expert, question_id, expert_firings, question.outcomes, verdict, self.judge.lexicon.name)
                for expert, expert_firings in by_expert
            )
            questions.append(QuestionSummary(question_id, question.text, question.outcomes, verdict.status, verdict, stances))
        return ForecastSummary(dict(values), tuple(questions), self._facts(self._support(firings)), tuple(firings))

    def _support(self, firings: Sequence[Firing]) -> dict[str, list[Firing]]:
        """The firings behind each derived fact."""
        support: dict[str, list[Firing]] = {}
        for firing in firings:
            fact = self.program.rule_facts.get(firing.rule_id)
            if fact is not None:
                support.setdefault(fact, []).append(firing)
        return support

    @staticmethod
    def _facts(support: Mapping[str, list[Firing]]) -> dict[str, tuple[str, ...]]:
        return {fact: tuple(sorted({firing.rule_id for firing in supporters})) for fact, supporters in sorted(support.items())}

    def _questions(self, firings: Sequence[Firing]) -> list[tuple[str, Question, list[tuple[str, list[Firing]]]]]:
        """Each question, in vocabulary order, with the stance firings of each expert who spoke, in expert order."""
        spoken: dict[str, dict[str, list[Firing]]] = {}
        for firing in firings:
            found = self.stance_of.get(firing.rule_id)
            if found is not None:
                spoken.setdefault(found[0], {}).setdefault(found[1], []).append(firing)
        order = self.expert_order
        result = []
        for question_id, question in self.rule_base.vocabulary.questions.items():
            by_expert = spoken.get(question_id, {})
            experts = sorted(by_expert, key=lambda name: (order.get(name, len(order)), name))
            result.append((question_id, question, [(expert, by_expert[expert]) for expert in experts]))
        return result

    def _summary(
        self, expert: str, question: str, firings: list[Firing], scale: tuple[str, ...], verdict: Verdict, lexicon: str
    ) -> StanceSummary:
        """An expert's stance on a question from their fired stance rules, read with `lexicon` (the same rules, the same stance: kept)."""
        rule_ids = tuple(sorted({firing.rule_id for firing in firings}))
        view = verdict.views.get(expert) or verdict.others.get(expert)
        clash = view is not None and view.bounds is None
        key = (expert, question, rule_ids, clash, lexicon)
        found = self._stances.get(key)
        if found is not None:
            return found
        rules = [self.rule_base.rule(rule_id) for rule_id in rule_ids]
        outcomes = stance_outcomes(rules, scale)
        accepted = None
        if clash:
            accepted = next((item for item in self.rule_base.checks.accepted if item.covers(expert, question, lexicon)), None)
        found = StanceSummary(
            expert=expert,
            outcomes=outcomes,
            status="self-conflict" if clash else "stated",
            rules=rule_ids,
            hedges=tuple(dict.fromkeys(rule.hedge for rule in rules if rule.hedge)),
            accepted=accepted,
        )
        if len(self._stances) >= STANCES_KEPT:
            self._stances.clear()
        self._stances[key] = found
        return found

    def _stance(
        self,
        summary: StanceSummary,
        firings: Sequence[Firing],
        values: Mapping[str, Value],
        support: Mapping[str, list[Firing]],
        steps: dict[Firing, Step],
    ) -> Stance:
        return Stance(
            expert=summary.expert,
            outcomes=summary.outcomes,
            status=summary.status,
            rules=summary.rules,
            hedges=summary.hedges,
            trace=self._trace(firings, values, support, steps),
            accepted=summary.accepted,
        )

    def _trace(
        self, firings: Sequence[Firing], values: Mapping[str, Value], support: Mapping[str, list[Firing]], steps: dict[Firing, Step]
    ) -> tuple[Step, ...]:
        """The firings behind `firings`, causes before consequences."""
        ordered: list[Firing] = []
        visiting: set[Firing] = set()
        """Every firing met so far: being visited, or already in `ordered`."""

        def visit(firing: Firing) -> None:
            if firing in visiting:
                return
            visiting.add(firing)
            for fact in firing.facts:
                for supporter in support.get(fact, ()):
                    visit(supporter)
            ordered.append(firing)

        for firing in sorted(firings):
            visit(firing)
        for firing in ordered:
            if firing not in steps:
                steps[firing] = self._step(firing, values)
        return tuple(steps[firing] for firing in ordered)

    def _step(self, firing: Firing, values: Mapping[str, Value]) -> Step:
        rule = self.rule_base.rule(firing.rule_id)
        where = (firing.rule_id, firing.branch)
        words = self._words.get(where)
        if words is None:
            literals = self.branches[where].literals
            words = self._words[where] = (describe_conclusion(rule.then), tuple((describe_literal(item), item) for item in literals))
        concludes, described = words
        source = rule.source
        return Step(
            rule=rule.id,
            expert=rule.expert,
            expert_kind=self.rule_base.experts[rule.expert].kind,
            branch=firing.branch,
            conditions=tuple(_matched(text, literal, values) for text, literal in described),
            concludes=concludes,
            hedge=rule.hedge,
            rates=self.rule_base.rated_event(rule),
            quote=source.quote if source else None,
            seed=source.seed if source else None,
            span=source.quote_span if source else None,
            context=tuple(zip(source.context, source.context_spans, strict=True)) if source else (),
            assumption=rule.assumption,
            note=rule.note,
        )


def _matched(text: str, literal: Literal, values: Mapping[str, Value]) -> MatchedCondition:
    """One literal of a fired branch (`text` describes it), and what in the scenario met it."""
    if isinstance(literal, FactLiteral):
        return MatchedCondition(text, "derived in this scenario" if literal.positive else "no rule derived it")
    return MatchedCondition(text, f"scenario: {literal.var} = {show_plain(values[literal.var])}")

"""Why a rule did not fire: each branch of its condition, each condition held or failed, and why a fact was missing.

A rule's condition is a disjunction of branches (its disjunctive normal
form, `engine.language.branches`), and the rule fires when one branch holds.
For a rule that did not fire, every branch has at least one failed
condition: a test of a variable shows the scenario's value; a fact that was
needed and not derived is explained in turn, by every rule that derives it
(recursively, each fact once in an explanation, to `DEPTH` levels); a fact that had to be
absent names the rules that derived it. A rule that did fire says with
which branches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.errors import InputError, did_you_mean
from engine.language import FactClaim, FactLiteral, Literal, StanceClaim, Value, branches, describe_conclusion, describe_literal
from engine.model import Rule
from engine.pipeline import Engine
from engine.quotes import Span
from engine.records import record
from engine.resolve.results import Forecast

DEPTH = 8
"""How many facts deep an explanation goes before it stops."""


@record
class ConditionCheck:
    """One condition of a branch: held or failed, with the scenario's value or the facts behind it."""

    text: str
    held: bool
    variable: str | None = None
    value: Value | None = None
    """For a test of a variable: the scenario's value."""
    fact: str | None = None
    derived_by: tuple[str, ...] = ()
    """For a fact: the rules that derived it in this scenario (none when it was not derived)."""
    missing: FactWhyNot | None = None
    """For a needed fact that was not derived: why not."""


@record
class BranchCheck:
    index: int
    conditions: tuple[ConditionCheck, ...]

    @property
    def held(self) -> bool:
        return all(condition.held for condition in self.conditions)


@record
class WhyNot:
    """One rule in one scenario: whether it fired, and each branch of its condition checked."""

    rule: str
    expert: str
    fired: bool
    branches: tuple[BranchCheck, ...]
    concludes: str
    hedge: str | None
    rates: tuple[str, ...] | None
    """The outcomes of the event the hedge (or the flat statement) rates; None for a rule that derives a fact."""
    quote: str | None
    seed: str | None
    span: Span | None
    assumption: str | None
    note: str | None

    @property
    def fired_branches(self) -> tuple[int, ...]:
        return tuple(branch.index for branch in self.branches if branch.held)


@record
class FactWhyNot:
    """Why a fact was not derived: each rule that derives it, explained; or why the explanation stops here."""

    fact: str
    rules: tuple[WhyNot, ...]
    stopped: str | None = None
    """`explained above` (this explanation already says why: each fact is explained once, which also ends a cycle)
    or `too deep` (past `DEPTH` facts)."""


def unknown_rule(engine: Engine, rule_id: str) -> InputError:
    return InputError(f"unknown rule '{rule_id}'", suggestion=did_you_mean(rule_id, (rule.id for rule in engine.rule_base.rules)))


class Explainer:
    """Explains rules against one certain scenario and its forecast."""

    def __init__(self, engine: Engine, values: Mapping[str, Value], forecast: Forecast | None = None) -> None:
        self.engine = engine
        self.values = values
        self.forecast = forecast if forecast is not None else engine.forecast(values)
        self.fired = {firing.rule_id for firing in self.forecast.firings}
        self.facts = dict(self.forecast.facts)
        self.derivers: dict[str, list[Rule]] = {}
        for rule in engine.rule_base.rules:
            if isinstance(rule.then, FactClaim):
                self.derivers.setdefault(rule.then.fact, []).append(rule)

    def explain(self, rule_id: str) -> WhyNot:
        """Why `rule_id` did or did not fire; `InputError` for an unknown rule, with a did-you-mean."""
        try:
            rule = self.engine.rule_base.rule(rule_id)
        except KeyError:
            raise unknown_rule(self.engine, rule_id) from None
        return self._rule(rule, depth=0, seen=set())

    def _rule(self, rule: Rule, depth: int, seen: set[str]) -> WhyNot:
        source = rule.source
        return WhyNot(
            rule=rule.id,
            expert=rule.expert,
            fired=rule.id in self.fired,
            branches=tuple(
                BranchCheck(index, tuple(self._condition(literal, depth, seen) for literal in literals))
                for index, literals in enumerate(branches(rule.when))
            ),
            concludes=describe_conclusion(rule.then),
            hedge=rule.hedge,
            rates=self.engine.rule_base.rated_event(rule),
            quote=source.quote if source else None,
            seed=source.seed if source else None,
            span=source.quote_span if source else None,
            assumption=rule.assumption,
            note=rule.note,
        )

    def _condition(self, literal: Literal, depth: int, seen: set[str]) -> ConditionCheck:
        text = describe_literal(literal)
        if not isinstance(literal, FactLiteral):
            value = self.values[literal.var]
            held = self.engine.vocabulary.kinds[literal.var].holds(literal.op, value, literal.values)
            return ConditionCheck(text, held, variable=literal.var, value=value)
        derived_by = self.facts.get(literal.fact, ())
        held = bool(derived_by) == literal.positive
        missing = None
        if not held and literal.positive:
            missing = self._fact(literal.fact, depth + 1, seen)
        return ConditionCheck(text, held, fact=literal.fact, derived_by=tuple(derived_by), missing=missing)

    def _fact(self, fact: str, depth: int, seen: set[str]) -> FactWhyNot:
        if fact in seen:
            return FactWhyNot(fact, (), "explained above")
        if depth > DEPTH:
            return FactWhyNot(fact, (), "too deep")
        seen.add(fact)
        return FactWhyNot(fact, tuple(self._rule(rule, depth, seen) for rule in self.derivers.get(fact, ())))

    def silent(self, questions: Iterable[str] | None = None) -> tuple[tuple[str, WhyNot], ...]:
        """For each question (default: all), each silent stance rule of every expert who spoke on it, explained."""
        asked = set(questions) if questions else None
        found = []
        for result in self.forecast.questions:
            if asked is not None and result.id not in asked:
                continue
            spoke = {stance.expert for stance in result.stances}
            for rule in self.engine.rule_base.rules:
                if (
                    isinstance(rule.then, StanceClaim)
                    and rule.then.question == result.id
                    and rule.expert in spoke
                    and rule.id not in self.fired
                ):
                    found.append((result.id, self._rule(rule, depth=0, seen=set())))
        return tuple(found)

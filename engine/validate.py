"""Check that the files of a rule base agree with each other.

Loading proved each file has the right shape; this proves the whole is
sound before anything runs: every name refers to something declared, every
value has its variable's type, every quote and hedge is found verbatim in
its seed, every seed matches its recorded hash, and negations over derived
facts can be evaluated in strata. `problems` lists everything found;
`require_valid` raises on the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.compile import MAX_BRANCHES, TooManyBranches, branches_of
from engine.errors import InputError, RuleBaseInvalid, did_you_mean, show_value
from engine.load import RuleBase, RuleOrigin, load_scenario_file
from engine.model import (
    AllOf,
    AnyOf,
    BooleanVariable,
    Condition,
    ExpertKind,
    FactConclusion,
    FactTest,
    LevelVariable,
    NotOf,
    NumberVariable,
    Op,
    ScenarioFile,
    StanceConclusion,
    VarTest,
    Vocabulary,
)
from engine.quotes import fold
from engine.source import Document, KeyPath
from engine.strata import NegationCycle, fact_uses, stratify

Value = bool | int | float | str

@dataclass(frozen=True)
class _Where:
    """Reports problems at a key path inside one document."""

    document: Document
    key: KeyPath

    def at(self, *sub: str | int) -> _Where:
        return _Where(self.document, (*self.key, *sub))

    def error(self, message: str, suggestion: str | None = None) -> InputError:
        return self.document.error(self.key, message, suggestion)

def _where(origin: RuleOrigin) -> _Where:
    return _Where(origin.document, origin.key)

def check_value(vocabulary: Vocabulary, name: str, value: Any, where: _Where) -> InputError | None:
    """A problem if `value` is not a valid value of variable `name`."""
    variable = vocabulary.variables[name]
    if isinstance(variable, BooleanVariable):
        if not isinstance(value, bool):
            return where.error(f"expected true or false for boolean '{name}', got {show_value(value)}")
    elif isinstance(variable, LevelVariable):
        if not isinstance(value, str) or value not in variable.levels:
            hint = did_you_mean(value, variable.levels) if isinstance(value, str) else None
            return where.error(
                f"expected one of {', '.join(variable.levels)} for '{name}', got {show_value(value)}",
                hint,
            )
    elif isinstance(variable, NumberVariable):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return where.error(f"expected a number ({variable.unit}) for '{name}', got {show_value(value)}")
        if variable.integer and not isinstance(value, int):
            return where.error(f"expected a whole number ({variable.unit}) for '{name}', got {show_value(value)}")
        if not variable.min <= value <= variable.max:
            return where.error(f"{value} is out of range for '{name}': expected {variable.min} to {variable.max} {variable.unit}")
    return None

def _condition_problems(vocabulary: Vocabulary, condition: Condition, where: _Where) -> Iterator[InputError]:
    if isinstance(condition, VarTest):
        if condition.var not in vocabulary.variables:
            yield where.at("var").error(f"unknown variable '{condition.var}'", did_you_mean(condition.var, vocabulary.variables))
            return
        variable = vocabulary.variables[condition.var]
        op_where = where.at(condition.op.value)
        if isinstance(variable, BooleanVariable) and condition.op not in (Op.IS, Op.IS_NOT):
            yield op_where.error(f"'{condition.op.value}' does not apply to boolean '{condition.var}'", "use 'is' or 'is_not'")
            return
        if isinstance(variable, NumberVariable) and condition.op in (Op.IN, Op.NOT_IN) and not variable.integer:
            yield op_where.error(f"'{condition.op.value}' does not apply to the continuous number '{condition.var}'", "use at_least / at_most")
            return
        if len(set(condition.values)) != len(condition.values):
            yield op_where.error(f"the list for '{condition.op.value}' repeats a value", "list each value once")
        for index, value in enumerate(condition.values):
            sub = op_where.at(index) if condition.op.takes_list else op_where
            problem = check_value(vocabulary, condition.var, value, sub)
            if problem:
                yield problem
    elif isinstance(condition, FactTest):
        if condition.fact not in vocabulary.facts:
            yield where.at("fact").error(f"unknown fact '{condition.fact}'", did_you_mean(condition.fact, vocabulary.facts) or "declare it under 'facts:' in vocabulary.yaml")
    elif isinstance(condition, (AllOf, AnyOf)):
        items = condition.all if isinstance(condition, AllOf) else condition.any
        key = "all" if isinstance(condition, AllOf) else "any"
        for index, item in enumerate(items):
            yield from _condition_problems(vocabulary, item, where.at(key, index))
    elif isinstance(condition, NotOf):
        yield from _condition_problems(vocabulary, condition.not_, where.at("not"))

def _stance_problems(vocabulary: Vocabulary, stance: StanceConclusion, where: _Where) -> Iterator[InputError]:
    if stance.question not in vocabulary.questions:
        yield where.at("question").error(f"unknown question '{stance.question}'", did_you_mean(stance.question, vocabulary.questions))
        return
    outcomes = vocabulary.questions[stance.question].outcomes
    for index, value in enumerate(stance.values):
        if value not in outcomes:
            sub = where.at(stance.op.value, index) if stance.op.takes_list else where.at(stance.op.value)
            hint = did_you_mean(value, outcomes) if isinstance(value, str) else None
            yield sub.error(f"'{value}' is not an outcome of '{stance.question}' ({' < '.join(outcomes)})", hint)

def _vocabulary_problems(rule_base: RuleBase) -> Iterator[InputError]:
    document = rule_base.vocabulary_document
    vocabulary = rule_base.vocabulary
    names: dict[str, str] = {}
    for section in ("variables", "facts", "questions"):
        for name in getattr(vocabulary, section):
            if name in names:
                yield document.error((section, name), f"'{name}' is declared under both '{names[name]}' and '{section}'", "rename one")
            names[name] = section
    for name, variable in vocabulary.variables.items():
        if isinstance(variable, LevelVariable) and len(set(variable.levels)) != len(variable.levels):
            yield document.error(("variables", name, "levels"), "levels repeat a name")
        if isinstance(variable, NumberVariable) and variable.min > variable.max:
            yield document.error(("variables", name, "min"), f"min {variable.min} is above max {variable.max}")
    for name, question in vocabulary.questions.items():
        if len(set(question.outcomes)) != len(question.outcomes):
            yield document.error(("questions", name, "outcomes"), "outcomes repeat a name")

def _seed_problems(rule_base: RuleBase) -> Iterator[InputError]:
    import hashlib  # only here: hashlib's OpenSSL load is a visible part of start-up

    for seed in rule_base.seeds.values():
        digest = hashlib.sha256(seed.text.encode("utf-8")).hexdigest()
        if digest != seed.meta.sha256:
            yield seed.meta_document.error(
                ("sha256",),
                f"seed text {seed.path.name} has sha256 {digest[:12]}..., not the recorded {seed.meta.sha256[:12]}...",
                "restore the original text, or re-record the hash if the change is intended",
            )

def _rule_problems(rule_base: RuleBase) -> Iterator[InputError]:
    vocabulary = rule_base.vocabulary
    concluded = {rule.then.fact for rule in rule_base.rules if isinstance(rule.then, FactConclusion)}
    for rule in rule_base.rules:
        origin = rule_base.origins[rule.id]
        where = _where(origin)
        expert = rule_base.experts.get(rule.expert)
        if expert is None:
            yield where.at("expert").error(f"unknown expert '{rule.expert}'", did_you_mean(rule.expert, rule_base.experts) or "add them to experts.yaml")
        else:
            if rule.id.split(".")[0] != rule.expert:
                yield where.at("id").error(f"rule id '{rule.id}' does not start with its expert '{rule.expert}.'", f"rename to '{rule.expert}.{rule.id.split('.')[1]}'")
            if expert.kind is ExpertKind.ANALYST:
                if not rule.assumption:
                    yield where.at("expert").error("an analyst rule must state its 'assumption'", "add 'assumption: <what you assume>'")
            else:
                if rule.source is None:
                    yield where.at("expert").error(f"rule of {expert.kind.value} '{rule.expert}' has no 'source'", "add 'source: {seed: ..., quote: ...}'")
                if rule.assumption:
                    yield where.at("assumption").error("only analyst rules make assumptions", "use 'note:' for how you read the quote")
        yield from _quote_problems(rule_base, rule.source, rule.hedge, where)
        if rule.when is not None:
            yield from _condition_problems(vocabulary, rule.when, where.at("when"))
            try:
                branches_of(rule.when)
            except TooManyBranches:
                yield where.at("when").error(f"condition expands to more than {MAX_BRANCHES} alternatives", "split the rule into several simpler rules")
            for fact, _ in fact_uses(rule.when):
                if fact in vocabulary.facts and fact not in concluded:
                    yield where.at("when").error(f"fact '{fact}' is used but no rule concludes it")
        if isinstance(rule.then, StanceConclusion):
            yield from _stance_problems(vocabulary, rule.then, where.at("then"))
        elif rule.then.fact not in vocabulary.facts:
            yield where.at("then", "fact").error(f"unknown fact '{rule.then.fact}'", did_you_mean(rule.then.fact, vocabulary.facts) or "declare it under 'facts:' in vocabulary.yaml")

def _quote_problems(rule_base: RuleBase, source: Any, hedge: str | None, where: _Where) -> Iterator[InputError]:
    if source is None:
        if hedge:
            yield where.at("hedge").error("a hedge needs a quote to be found in", "add a 'source'")
        return
    seed = rule_base.seeds.get(source.seed)
    if seed is None:
        yield where.at("source", "seed").error(f"unknown seed '{source.seed}'", did_you_mean(source.seed, rule_base.seeds))
        return
    quotes: list[tuple[tuple[str | int, ...], str]] = [(("quote",), source.quote)]
    quotes += [(("context", index), text) for index, text in enumerate(source.context)]
    for key, text in quotes:
        sub = where.at("source", *key)
        if seed.folded.find(text) is None:
            found = seed.folded.closest(text)
            hint = f"the seed has the words up to {found[-40:]!r}, then differs" if found else "no part of it is in the seed"
            yield sub.error(f"quote not found verbatim in seed '{source.seed}'", hint)
    if hedge is not None:
        words = fold(hedge)
        texts = [fold(source.quote), *(fold(text) for text in source.context)]
        if not words or not any(words in text for text in texts):
            yield where.at("hedge").error(f"hedge {hedge!r} is not in the rule's quote", "copy the hedge words exactly as the quote has them")

def _strata_problems(rule_base: RuleBase) -> Iterator[InputError]:
    try:
        stratify(rule_base.rules, rule_base.vocabulary)
    except NegationCycle as cycle:
        origin = rule_base.origins[cycle.rules[0]]
        yield origin.error(
            f"negation cycle: {' -> '.join(cycle.rules)} (each negates a fact the next derives); such rules cannot be evaluated in strata",
            "when",
            suggestion="break the cycle: one of these rules must not negate the fact",
        )

def _checks_problems(rule_base: RuleBase) -> Iterator[InputError]:
    document = rule_base.checks_document
    if document is None:
        return
    vocabulary = rule_base.vocabulary
    rule_ids = {rule.id for rule in rule_base.rules}
    for index, invariant in enumerate(rule_base.checks.invariants):
        where = _Where(document, ("invariants", index))
        if invariant.expert is not None and invariant.expert not in rule_base.experts:
            yield where.at("expert").error(f"unknown expert '{invariant.expert}'", did_you_mean(invariant.expert, rule_base.experts))
        if invariant.when is not None:
            yield from _condition_problems(vocabulary, invariant.when, where.at("when"))
        yield from _stance_problems(vocabulary, invariant.require, where.at("require"))
    for index, accepted in enumerate(rule_base.checks.accepted):
        where = _Where(document, ("accepted", index))
        if accepted.kind == "self-conflict":
            if accepted.expert not in rule_base.experts:
                yield where.at("expert").error(f"unknown expert {accepted.expert!r}", did_you_mean(str(accepted.expert), rule_base.experts))
            if accepted.question not in vocabulary.questions:
                yield where.at("question").error(f"unknown question {accepted.question!r}", did_you_mean(str(accepted.question), vocabulary.questions))
        elif accepted.rule not in rule_ids:
            yield where.at("rule").error(f"unknown rule {accepted.rule!r}", did_you_mean(str(accepted.rule), rule_ids))

def problems(rule_base: RuleBase) -> list[InputError]:
    """Everything wrong with the rule base, in file order."""
    found = [
        *_vocabulary_problems(rule_base),
        *_seed_problems(rule_base),
        *_rule_problems(rule_base),
        *_checks_problems(rule_base),
    ]
    if not found:
        found.extend(_strata_problems(rule_base))
    return found

def require_valid(rule_base: RuleBase) -> RuleBase:
    found = problems(rule_base)
    if found:
        raise RuleBaseInvalid(found)
    return rule_base

def scenario_values(vocabulary: Vocabulary, scenario: ScenarioFile, document: Document) -> tuple[dict[str, Value], list[InputError]]:
    """The scenario's variables, checked against the vocabulary, and the problems found."""
    found: list[InputError] = []
    values: dict[str, Value] = {}
    where = _Where(document, ("variables",))
    for name, value in scenario.variables.items():
        if name not in vocabulary.variables:
            found.append(where.at(name).error(f"unknown variable '{name}'", did_you_mean(name, vocabulary.variables)))
            continue
        problem = check_value(vocabulary, name, value, where.at(name))
        if problem:
            found.append(problem)
        else:
            values[name] = value
    missing = [name for name in vocabulary.variables if name not in scenario.variables]
    if missing:
        found.append(
            where.error(
                f"missing variable{'s' if len(missing) > 1 else ''} {', '.join(repr(name) for name in missing)}",
                "every variable needs a value; `forecast new NAME` writes a complete file",
            )
        )
    for question, expectation in scenario.expect.items():
        sub = _Where(document, ("expect", question))
        if question not in vocabulary.questions:
            found.append(sub.error(f"unknown question '{question}'", did_you_mean(question, vocabulary.questions)))
            continue
        outcomes = vocabulary.questions[question].outcomes
        listed: list[tuple[tuple[str | int, ...], str]] = [(("outcome", index), value) for index, value in enumerate(expectation.outcome or ())]
        listed += [
            (("stances", expert, index), value) for expert, values_ in (expectation.stances or {}).items() for index, value in enumerate(values_)
        ]
        for key, value in listed:
            if value not in outcomes:
                at = sub.at(*key)
                found.append(at.error(f"'{value}' is not an outcome of '{question}'", did_you_mean(value, outcomes)))
    return values, found

def load_scenario(vocabulary: Vocabulary, path: Path) -> tuple[ScenarioFile, dict[str, Value]]:
    """Load and check one scenario file; raises its problems (the first, then a count)."""

    scenario, document = load_scenario_file(path)
    values, found = scenario_values(vocabulary, scenario, document)
    if found:
        raise found[0] if len(found) == 1 else RuleBaseInvalid(found)
    return scenario, values

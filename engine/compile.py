"""Compile a validated rule base into rule-engine rulesets, as plain data.

Each rule's condition is brought into disjunctive normal form: a list of
branches, each a conjunction of literals. A branch becomes one engine rule
whose first pattern is the scenario fact (all variable tests sit inside it,
so joins stay flat) and whose other patterns are the derived facts it needs,
or must not see (`$not`). Every value is encoded as a number before it
reaches the engine, which does not check types: booleans as 0/1, levels as
their rank, numbers as themselves.

The output, `Program`, is JSON-like data plus the branch table that maps
engine rule names back to rules; `engine.matcher` runs it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

from engine.errors import InputError
from engine.load import RuleBase
from engine.model import (
    AllOf,
    BooleanVariable,
    Condition,
    FactConclusion,
    FactTest,
    LevelVariable,
    NotOf,
    Op,
    Rule,
    VarTest,
    Vocabulary,
)
from engine.strata import Strata, stratify

MAX_BRANCHES = 64
SCENARIO_ALIAS = "scn"
SENTINEL = "$sentinel"
# Variables sit in the engine's scenario fact under this prefix, so that no
# variable name can collide with the engine's own fields (`kind`, `sid`).
VAR_PREFIX = "v_"

Value = bool | int | float | str


class TooManyBranches(Exception):
    """A condition expands to more than `MAX_BRANCHES` alternatives."""


@dataclass(frozen=True, slots=True)
class VarLiteral:
    """`var op value` on the scenario; negations are already pushed into `op`."""

    var: str
    op: Op
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class FactLiteral:
    """A derived fact is present (`positive`) or absent."""

    fact: str
    positive: bool


Literal = VarLiteral | FactLiteral


@dataclass(frozen=True, slots=True)
class Branch:
    """One conjunctive branch of a rule's condition: an engine rule of its own."""

    rule_id: str
    index: int
    literals: tuple[Literal, ...]

    @property
    def engine_name(self) -> str:
        return f"{self.rule_id}#{self.index}"


@dataclass(frozen=True)
class Stratum:
    """The engine rules of one stratum and the lower-stratum facts they read."""

    index: int
    rules: Mapping[str, Mapping[str, Any]]
    branches: Mapping[str, Branch]
    reads: frozenset[str]


@dataclass(frozen=True)
class Program:
    """A compiled rule base: strata of engine rules and how to encode a scenario."""

    strata: tuple[Stratum, ...]
    rule_facts: Mapping[str, str]
    encoding: Mapping[str, Mapping[Value, int | float] | None]

    def encode(self, values: Mapping[str, Value]) -> dict[str, int | float]:
        """Every value as the number the engine compares: 0/1, a level's rank, the number itself.

        The engine checks no types (`"abc" >= 10` is true), so anything that is
        not exactly the variable's type is refused here.
        """
        encoded: dict[str, int | float] = {}
        for name in sorted(values):
            table = self.encoding[name]
            value = values[name]
            if table is None:
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise TypeError(f"variable {name!r} needs a finite number, got {value!r}")
                encoded[name] = value
            elif isinstance(value, bool) != all(isinstance(key, bool) for key in table) or value not in table:
                raise TypeError(f"variable {name!r} needs one of {sorted(map(str, table))}, got {value!r}")
            else:
                encoded[name] = table[value]
        return encoded

    def scenario_fact(self, values: Mapping[str, Value]) -> dict[str, int | float | str]:
        """The scenario as the one fact the engine sees."""
        fact: dict[str, int | float | str] = {"kind": "scenario"}
        fact.update({VAR_PREFIX + name: value for name, value in self.encode(values).items()})
        return fact


def _encoding(vocabulary: Vocabulary) -> dict[str, dict[Value, int | float] | None]:
    table: dict[str, dict[Value, int | float] | None] = {}
    for name, variable in vocabulary.variables.items():
        if isinstance(variable, BooleanVariable):
            table[name] = {False: 0, True: 1}
        elif isinstance(variable, LevelVariable):
            table[name] = {level: rank for rank, level in enumerate(variable.levels)}
        else:
            table[name] = None
    return table


def branches_of(condition: Condition | None) -> list[tuple[Literal, ...]]:
    """The condition in disjunctive normal form: a list of conjunctions.

    Each branch is normalised for the engine, which binds a distinct fact to
    every pattern of a rule: a literal repeated in a branch is kept once, a
    value repeated in a list is kept once, and a branch that needs a fact and
    its absence, which can never hold, is dropped.
    """
    if condition is None:
        return [()]
    branches: list[tuple[Literal, ...]] = []
    for branch in _dnf(condition, negated=False):
        literals = tuple(dict.fromkeys(_unique_values(literal) for literal in branch))
        present = {literal.fact for literal in literals if isinstance(literal, FactLiteral) and literal.positive}
        absent = {literal.fact for literal in literals if isinstance(literal, FactLiteral) and not literal.positive}
        if present.isdisjoint(absent) and literals not in branches:
            branches.append(literals)
    return branches


def _unique_values(literal: Literal) -> Literal:
    if isinstance(literal, VarLiteral) and len(set(literal.values)) != len(literal.values):
        return VarLiteral(literal.var, literal.op, tuple(dict.fromkeys(literal.values)))
    return literal


def _dnf(condition: Condition, negated: bool) -> list[tuple[Literal, ...]]:
    if isinstance(condition, VarTest):
        op = condition.op.negated if negated else condition.op
        return [(VarLiteral(condition.var, op, condition.values),)]
    if isinstance(condition, FactTest):
        return [(FactLiteral(condition.fact, not negated),)]
    if isinstance(condition, NotOf):
        return _dnf(condition.not_, not negated)
    items = condition.all if isinstance(condition, AllOf) else condition.any
    conjunctive = isinstance(condition, AllOf) != negated
    parts = [_dnf(item, negated) for item in items]
    if not conjunctive:
        flat = [branch for part in parts for branch in part]
        if len(flat) > MAX_BRANCHES:
            raise TooManyBranches
        return flat
    combined: list[tuple[Literal, ...]] = []
    for choice in product(*parts):
        combined.append(tuple(literal for branch in choice for literal in branch))
        if len(combined) > MAX_BRANCHES:
            raise TooManyBranches
    return combined


def _test(literal: VarLiteral, encoding: Mapping[str, Mapping[Value, int | float] | None]) -> dict[str, Any]:
    table = encoding[literal.var]
    encoded = [value if table is None else table[value] for value in literal.values]
    name = VAR_PREFIX + literal.var
    if literal.op is Op.IS:
        return {name: encoded[0]}
    if literal.op is Op.IS_NOT:
        return {"$neq": {name: encoded[0]}}
    if literal.op is Op.IN:
        return {"$or": [{name: value} for value in encoded]}
    if literal.op is Op.NOT_IN:
        return {"$and": [{"$neq": {name: value}} for value in encoded]}
    operator = {Op.AT_LEAST: "$gte", Op.AT_MOST: "$lte", Op.ABOVE: "$gt", Op.BELOW: "$lt"}[literal.op]
    return {operator: {name: encoded[0]}}


def _fact_pattern(fact: str) -> dict[str, Any]:
    return {"$and": [{"kind": "fact"}, {"name": fact}]}


def engine_rule(branch: Branch, encoding: Mapping[str, Mapping[Value, int | float] | None]) -> dict[str, Any]:
    """The engine's JSON for one branch (without its action)."""
    scenario_tests: list[dict[str, Any]] = [{"kind": "scenario"}]
    patterns: list[dict[str, Any]] = []
    for position, literal in enumerate(branch.literals):
        if isinstance(literal, VarLiteral):
            scenario_tests.append(_test(literal, encoding))
        elif literal.positive:
            patterns.append({f"f{position}": _fact_pattern(literal.fact)})
        else:
            patterns.append({f"n{position}$not": _fact_pattern(literal.fact)})
    return {"all": [{SCENARIO_ALIAS: {"$and": scenario_tests}}, *patterns]}


def compile_rules(rules: tuple[Rule, ...], vocabulary: Vocabulary, origins: Mapping[str, Any] | None = None) -> Program:
    """Compile validated rules into a `Program`."""
    strata: Strata = stratify(rules, vocabulary)
    encoding = _encoding(vocabulary)
    layers: list[dict[str, Any]] = [{} for _ in range(strata.count)]
    tables: list[dict[str, Branch]] = [{} for _ in range(strata.count)]
    reads: list[set[str]] = [set() for _ in range(strata.count)]
    for rule in sorted(rules, key=lambda rule: rule.id):
        level = strata.rule_stratum[rule.id]
        try:
            conjunctions = branches_of(rule.when)
        except TooManyBranches:
            where = origins[rule.id].locate("when") if origins else None
            raise InputError(
                f"condition of {rule.id} expands to more than {MAX_BRANCHES} alternatives",
                location=where,
                key="when",
                suggestion="split the rule into several simpler rules",
            ) from None
        for index, literals in enumerate(conjunctions):
            branch = Branch(rule.id, index, literals)
            layers[level][branch.engine_name] = engine_rule(branch, encoding)
            tables[level][branch.engine_name] = branch
            for literal in literals:
                if isinstance(literal, FactLiteral) and (not literal.positive or strata.fact_stratum[literal.fact] < level):
                    reads[level].add(literal.fact)
    for level in range(strata.count):
        layers[level][SENTINEL] = {"all": [{SCENARIO_ALIAS: {"kind": "scenario"}}]}
    rule_facts = {rule.id: rule.then.fact for rule in rules if isinstance(rule.then, FactConclusion)}
    return Program(
        strata=tuple(
            Stratum(index=level, rules=layers[level], branches=tables[level], reads=frozenset(reads[level]))
            for level in range(strata.count)
        ),
        rule_facts=rule_facts,
        encoding=encoding,
    )


def compile_rule_base(rule_base: RuleBase) -> Program:
    return compile_rules(rule_base.rules, rule_base.vocabulary, rule_base.origins)

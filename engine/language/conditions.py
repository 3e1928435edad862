"""Conditions and conclusions: the trees of `when` and `then`, walked, evaluated, put in normal form and said in words."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from itertools import product
from typing import NamedTuple

from engine.language.kinds import Kind
from engine.language.operators import Op, Value
from engine.language.words import show_targets
from engine.records import record

MAX_BRANCHES = 64
"""A condition may expand to at most this many alternatives in disjunctive normal form."""


@record
class VarTest:
    """`var op values`; in a branch of a normal form, negations are already pushed into `op`."""

    var: str
    op: Op
    values: tuple[Value, ...]


@record
class FactRef:
    """A derived fact holds."""

    fact: str


@record
class AllOf:
    items: tuple[Condition, ...]


@record
class AnyOf:
    items: tuple[Condition, ...]


@record
class NotOf:
    item: Condition


Condition = VarTest | FactRef | AllOf | AnyOf | NotOf


@record
class FactLiteral:
    """In a branch of a normal form: a derived fact is present (`positive`) or absent."""

    fact: str
    positive: bool


Literal = VarTest | FactLiteral


@record
class StanceClaim:
    """A conclusion: the stance `question op values` on an ordered scale."""

    question: str
    op: Op
    values: tuple[Value, ...]


@record
class FactClaim:
    """A conclusion: a derived fact that other rules use."""

    fact: str


Conclusion = StanceClaim | FactClaim

KeyPath = tuple[str | int | float, ...]
"""Where in a document: mapping keys (names, or numbers) and list indices (ints, inside a list)."""


class Leaf(NamedTuple):
    """A test or fact in a condition, under an odd number of `not`s or not, at a key path."""

    node: VarTest | FactRef
    negated: bool
    key: KeyPath


def leaves(condition: Condition | None, negated: bool = False, key: KeyPath = ()) -> Iterator[Leaf]:
    """Every test and fact in a condition, in written order, with its key path as written."""
    if condition is None:
        return
    if isinstance(condition, (VarTest, FactRef)):
        yield Leaf(condition, negated, key)
    elif isinstance(condition, NotOf):
        yield from leaves(condition.item, not negated, (*key, "not"))
    else:
        word = "all" if isinstance(condition, AllOf) else "any"
        for index, item in enumerate(condition.items):
            yield from leaves(item, negated, (*key, word, index))


def holds(condition: Condition, values: Mapping[str, Value], facts: Iterable[str], kinds: Mapping[str, Kind]) -> bool:
    """Whether a condition holds for a scenario's `values` and its derived `facts`."""
    if isinstance(condition, VarTest):
        return kinds[condition.var].holds(condition.op, values[condition.var], condition.values)
    if isinstance(condition, FactRef):
        return condition.fact in facts
    if isinstance(condition, AllOf):
        return all(holds(item, values, facts, kinds) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(holds(item, values, facts, kinds) for item in condition.items)
    return not holds(condition.item, values, facts, kinds)


class TooManyBranches(Exception):
    """A condition expands to more than `MAX_BRANCHES` alternatives."""


def branches(condition: Condition | None) -> list[tuple[Literal, ...]]:
    """The condition in disjunctive normal form: its alternatives, each a conjunction of literals.

    Each branch is normalised: a literal repeated in a branch is kept once, a
    value repeated in a list is kept once, a branch that needs a fact and its
    absence (it can never hold) is dropped, and so is a repeated branch.
    """
    if condition is None:
        return [()]
    found: list[tuple[Literal, ...]] = []
    for branch in _dnf(condition, negated=False):
        literals = tuple(dict.fromkeys(_unique_values(literal) for literal in branch))
        present = {literal.fact for literal in literals if isinstance(literal, FactLiteral) and literal.positive}
        absent = {literal.fact for literal in literals if isinstance(literal, FactLiteral) and not literal.positive}
        if present.isdisjoint(absent) and literals not in found:
            found.append(literals)
    return found


def _unique_values(literal: Literal) -> Literal:
    if isinstance(literal, VarTest) and len(set(literal.values)) != len(literal.values):
        return VarTest(literal.var, literal.op, tuple(dict.fromkeys(literal.values)))
    return literal


def _dnf(condition: Condition, negated: bool) -> list[tuple[Literal, ...]]:
    if isinstance(condition, VarTest):
        return [(VarTest(condition.var, condition.op.negated if negated else condition.op, condition.values),)]
    if isinstance(condition, FactRef):
        return [(FactLiteral(condition.fact, not negated),)]
    if isinstance(condition, NotOf):
        return _dnf(condition.item, not negated)
    parts = [_dnf(item, negated) for item in condition.items]
    if isinstance(condition, AllOf) == negated:  # a disjunction
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


# --- saying it ---------------------------------------------------------------------


def describe_literal(literal: Literal) -> str:
    """`deadly_clashes is at least 3`, `fact force_insufficient`, `no fact fierce_fighting_trend`."""
    if isinstance(literal, FactLiteral):
        return f"fact {literal.fact}" if literal.positive else f"no fact {literal.fact}"
    return f"{literal.var} {literal.op.words} {show_targets(literal.op, literal.values)}"


def describe_condition(condition: Condition | None) -> str:
    """A condition in words, as its alternatives: `a and b, or c`."""
    alternatives = [" and ".join(describe_literal(literal) for literal in branch) or "always" for branch in branches(condition)]
    return ", or ".join(alternatives)


def describe_conclusion(conclusion: Conclusion) -> str:
    """`russia_presence is not withdraw`, `fact force_insufficient`."""
    if isinstance(conclusion, FactClaim):
        return f"fact {conclusion.fact}"
    return f"{conclusion.question} {conclusion.op.words} {show_targets(conclusion.op, conclusion.values)}"

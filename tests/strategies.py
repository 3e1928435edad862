"""Hypothesis strategies for random rule bases and scenarios, shared by the differential tests.

Random small rule bases (a few variables and facts, rules with nested
all/any/not over variables and derived facts) exercise chaining, negation
across strata and membership tests well beyond what the shipped rules use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from hypothesis import reject
from hypothesis import strategies as st

from engine.language import (
    AllOf,
    AnyOf,
    BooleanKind,
    Condition,
    FactClaim,
    FactRef,
    Kind,
    LevelKind,
    NotOf,
    NumberKind,
    Op,
    StanceClaim,
    TooManyBranches,
    Value,
    VarTest,
)
from engine.matching.compile import Program, compile_rules
from engine.matching.strata import NegationCycle
from engine.model import Fact, Question, Rule, Variable, Vocabulary

LEVELS = ("low", "mid", "high")
NUMBER_MIN, NUMBER_MAX = 0, 5  # small, so tests hit the boundaries often


def values_of(kind: Kind, near: Iterable[Value] = ()) -> st.SearchStrategy[Value]:
    """Every valid value of one kind, and often the values either side of `near` (the rules' thresholds).

    A wide range like 0-10,000 fighters would otherwise almost never land on
    the edge of `at_most: 1200`.
    """
    anywhere: st.SearchStrategy[Value] = kind.strategy()
    if not isinstance(kind, NumberKind):
        return anywhere
    edges = sorted(
        {
            edge
            for value in near
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            for edge in (value - 1, value, value + 1)
            if kind.minimum <= edge <= kind.maximum
        }
    )
    return anywhere | st.sampled_from(edges) if edges else anywhere


def scenarios(vocabulary: Vocabulary, program: Program | None = None) -> st.SearchStrategy[dict[str, Value]]:
    """Complete scenarios: every variable gets a valid value, often one at the edge of a rule's test."""
    near: dict[str, list[Value]] = {}
    for stratum in program.strata if program else ():
        for branch in stratum.branches.values():
            for literal in branch.literals:
                if isinstance(literal, VarTest):
                    near.setdefault(literal.var, []).extend(literal.values)
    return st.fixed_dictionaries({name: values_of(kind, near.get(name, ())) for name, kind in vocabulary.kinds.items()})


@st.composite
def kinds(draw: st.DrawFn) -> Kind:
    """One kind of variable with a small domain."""
    kind = draw(st.sampled_from(["boolean", "level", "number"]))
    if kind == "boolean":
        return BooleanKind()
    if kind == "level":
        return LevelKind(LEVELS[: draw(st.integers(min_value=2, max_value=3))])
    return NumberKind(NUMBER_MIN, NUMBER_MAX, "things")


@st.composite
def vocabularies(draw: st.DrawFn) -> Vocabulary:
    """2-4 variables, 1-3 facts, one two-outcome question."""
    drawn = draw(st.lists(kinds(), min_size=2, max_size=4))
    fact_count = draw(st.integers(min_value=1, max_value=3))
    return Vocabulary(
        variables={f"v{index}": Variable(kind, "a variable") for index, kind in enumerate(drawn)},
        facts={f"f{index}": Fact("a derived fact") for index in range(fact_count)},
        questions={"q": Question("a question?", ("no", "yes"))},
    )


@st.composite
def var_tests(draw: st.DrawFn, vocabulary: Vocabulary) -> VarTest:
    """A valid test on one variable: an operator its kind takes, values of its kind."""
    name = draw(st.sampled_from(sorted(vocabulary.variables)))
    kind = vocabulary.kinds[name]
    op = draw(st.sampled_from([op for op in Op if kind.operator_problem(op, name) is None]))
    value = values_of(kind)
    if op.takes_list:
        return VarTest(name, op, tuple(draw(st.lists(value, min_size=1, max_size=3))))
    return VarTest(name, op, (draw(value),))


def conditions(vocabulary: Vocabulary) -> st.SearchStrategy[Condition]:
    """Nested all/any/not over variable tests and derived facts, a few levels deep."""
    leaves: st.SearchStrategy[Condition] = st.one_of(var_tests(vocabulary), st.sampled_from(sorted(vocabulary.facts)).map(FactRef))

    def extend(inner: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
        return st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda items: AllOf(tuple(items))),
            st.lists(inner, min_size=1, max_size=3).map(lambda items: AnyOf(tuple(items))),
            inner.map(NotOf),
        )

    return st.recursive(leaves, extend, max_leaves=6)


@st.composite
def rule_lists(draw: st.DrawFn, vocabulary: Vocabulary, max_rules: int = 6, hedges: tuple[str, ...] = ()) -> tuple[Rule, ...]:
    """1 to `max_rules` rules; each derives a fact or takes a stance, some unconditionally; some fact rules hedged with `hedges`."""
    count = draw(st.integers(min_value=1, max_value=max_rules))
    rules = []
    for index in range(count):
        when = draw(st.none() | conditions(vocabulary))
        derives = draw(st.booleans())
        then: FactClaim | StanceClaim = (
            FactClaim(draw(st.sampled_from(sorted(vocabulary.facts)))) if derives else StanceClaim("q", Op.IS, ("yes",))
        )
        hedge = draw(st.sampled_from((None, *hedges))) if derives and hedges else None
        rules.append(Rule(id=f"e.r{index}", expert="e", then=then, when=when, hedge=hedge))
    return tuple(rules)


class Compiled(NamedTuple):
    """A random rule base that compiles, its program, and scenarios for it."""

    rules: tuple[Rule, ...]
    vocabulary: Vocabulary
    program: Program
    scenarios: list[dict[str, Value]]


@st.composite
def compiled_rule_bases(draw: st.DrawFn, max_rules: int = 8, max_scenarios: int = 6) -> Compiled:
    """A `Compiled`: rule bases with a cycle through negation or too many branches are rejected."""
    vocabulary = draw(vocabularies(), label="vocabulary")
    rules = draw(rule_lists(vocabulary, max_rules=max_rules), label="rules")
    try:
        program = compile_rules(rules, vocabulary)
    except (NegationCycle, TooManyBranches):
        reject()
    drawn = draw(st.lists(scenarios(vocabulary, program), min_size=1, max_size=max_scenarios), label="scenarios")
    return Compiled(rules, vocabulary, program, drawn)


# A small vocabulary for hand-written rule bases: a count, a flag, facts f and g, a yes/no question.
BUG_VOCABULARY = Vocabulary(
    variables={"v": Variable(NumberKind(0, 5, "things"), "a count"), "flag": Variable(BooleanKind(), "a flag")},
    facts={"f": Fact("a derived fact"), "g": Fact("another derived fact")},
    questions={"q": Question("a question?", ("no", "yes"))},
)

"""Model-based tests: the durable_rules matcher against the plain-Python reference.

`DurableMatcher` goes through every trap of durable_rules (see
docs in /work/shared/DURABLE_RULES.md and engine/durable_backend.py); the
`ReferenceMatcher` in tests/reference.py says what a program means with no
engine at all. Hypothesis drives both with the same input and demands the
same firings:

(a) the shipped rule base, with random complete scenarios;
(b) random small rule bases (a few variables and facts, rules with nested
    all/any/not over variables and derived facts), so chaining, negation
    across strata and membership tests are exercised well beyond what the
    shipped rules use.

The scenario strategies are local on purpose: a public strategies module is
being written separately and this file must not depend on it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from reference import ReferenceMatcher

from engine.compile import Branch, FactLiteral, Program, Value, VarLiteral, compile_rule_base, compile_rules
from engine.durable_backend import DurableMatcher
from engine.errors import InputError
from engine.load import load_rule_base
from engine.model import (
    AllOf,
    AnyOf,
    BooleanVariable,
    Condition,
    FactConclusion,
    FactDecl,
    FactTest,
    LevelVariable,
    NotOf,
    NumberVariable,
    Op,
    Question,
    Rule,
    StanceConclusion,
    Variable,
    VarTest,
    Vocabulary,
)
from engine.strata import NegationCycle, stratify
from engine.validate import require_valid

# durable_rules calls datetime.utcfromtimestamp in every action; Python 3.12
# deprecates it, and `filterwarnings = error` would turn that into a failure
# inside the engine. The warning is upstream's and harmless: ignore only it.
pytestmark = pytest.mark.filterwarnings("ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning")

RULES = Path(__file__).resolve().parent.parent / "rules"


@functools.cache
def shipped() -> tuple[Vocabulary, DurableMatcher, ReferenceMatcher]:
    """The shipped rule base, compiled once: every example reuses one matcher.

    A DurableMatcher registers rulesets on the process-wide Host for good, so
    building one per example would only cost time and memory.
    """
    rule_base = require_valid(load_rule_base(RULES))
    program = compile_rule_base(rule_base)
    return rule_base.vocabulary, DurableMatcher(program), ReferenceMatcher(program)


def values_of(variable: Variable, near: Iterable[Value] = ()) -> st.SearchStrategy[Value]:
    """Every valid value of one variable: booleans, levels, numbers in range.

    `near` are thresholds the rules compare a number with: the values one
    either side of them (and they themselves) are drawn often, because a
    wide range like 0-10,000 fighters would otherwise almost never land on
    the edge of `at_most: 1200`.
    """
    if isinstance(variable, BooleanVariable):
        return st.booleans()
    if isinstance(variable, LevelVariable):
        return st.sampled_from(variable.levels)
    if variable.integer:
        anywhere: st.SearchStrategy[Value] = st.integers(min_value=int(variable.min), max_value=int(variable.max))
    else:
        anywhere = st.floats(min_value=variable.min, max_value=variable.max, allow_nan=False, allow_infinity=False)
    edges = sorted(
        {
            edge
            for value in near
            if isinstance(value, (int, float))
            for edge in (value - 1, value, value + 1)
            if variable.min <= edge <= variable.max
        }
    )
    return anywhere | st.sampled_from(edges) if edges else anywhere


def scenarios(vocabulary: Vocabulary, program: Program | None = None) -> st.SearchStrategy[dict[str, Value]]:
    """Complete scenarios: every variable gets a valid value, often one at the edge of a rule's test."""
    near: dict[str, list[Value]] = {}
    for stratum in program.strata if program else ():
        for branch in stratum.branches.values():
            for literal in branch.literals:
                if isinstance(literal, VarLiteral):
                    near.setdefault(literal.var, []).extend(literal.values)
    return st.fixed_dictionaries({name: values_of(variable, near.get(name, ())) for name, variable in vocabulary.variables.items()})


def assert_same_firings(program: Program, durable: DurableMatcher, reference: ReferenceMatcher, values: Mapping[str, Value]) -> None:
    """Both matchers agree on one scenario; on failure, show the program's branches."""
    got = durable.run(values)
    want = reference.run(values)
    assert got == want, (values, [stratum.branches for stratum in program.strata])


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_shipped_rule_base_matches_reference(data: st.DataObject) -> None:
    """(a) The shipped rules: durable_rules and the reference fire the same branches."""
    vocabulary, durable, reference = shipped()
    values = data.draw(scenarios(vocabulary, durable.program), label="scenario")
    assert_same_firings(durable.program, durable, reference, values)


# --- random small rule bases -------------------------------------------------

LEVELS = ("low", "mid", "high")
NUMBER_MIN, NUMBER_MAX = 0, 5  # small, so tests hit the boundaries often


@st.composite
def variables(draw: st.DrawFn) -> Variable:
    """One variable of a random type, with a small domain."""
    kind = draw(st.sampled_from(["boolean", "level", "number"]))
    if kind == "boolean":
        return BooleanVariable(type="boolean", meaning="a flag")
    if kind == "level":
        count = draw(st.integers(min_value=2, max_value=3))
        return LevelVariable(type="level", meaning="a level", levels=LEVELS[:count])
    return NumberVariable(type="number", meaning="a count", unit="things", min=NUMBER_MIN, max=NUMBER_MAX)


@st.composite
def vocabularies(draw: st.DrawFn) -> Vocabulary:
    """2-4 variables, 1-3 facts, one two-outcome question."""
    kinds = draw(st.lists(variables(), min_size=2, max_size=4))
    fact_count = draw(st.integers(min_value=1, max_value=3))
    return Vocabulary(
        variables={f"v{index}": variable for index, variable in enumerate(kinds)},
        facts={f"f{index}": FactDecl(meaning="a derived fact") for index in range(fact_count)},
        questions={"q": Question(text="a question?", outcomes=("no", "yes"))},
    )


@st.composite
def var_tests(draw: st.DrawFn, vocabulary: Vocabulary) -> VarTest:
    """A valid test on one variable: only `is`/`is_not` on booleans, any op otherwise."""
    name = draw(st.sampled_from(sorted(vocabulary.variables)))
    variable = vocabulary.variables[name]
    ops = [Op.IS, Op.IS_NOT] if isinstance(variable, BooleanVariable) else list(Op)
    op = draw(st.sampled_from(ops))
    value = values_of(variable)
    if op.takes_list:
        return VarTest(var=name, op=op, value=tuple(draw(st.lists(value, min_size=1, max_size=3))))
    return VarTest(var=name, op=op, value=draw(value))


def conditions(vocabulary: Vocabulary) -> st.SearchStrategy[Condition]:
    """Nested all/any/not over variable tests and derived facts, a few levels deep."""
    leaves: st.SearchStrategy[Condition] = st.one_of(
        var_tests(vocabulary),
        st.sampled_from(sorted(vocabulary.facts)).map(lambda fact: FactTest(fact=fact)),
    )

    def extend(inner: st.SearchStrategy[Condition]) -> st.SearchStrategy[Condition]:
        return st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda items: AllOf(all=tuple(items))),
            st.lists(inner, min_size=1, max_size=3).map(lambda items: AnyOf(any=tuple(items))),
            inner.map(lambda item: NotOf.model_validate({"not": item})),
        )

    return st.recursive(leaves, extend, max_leaves=6)


@st.composite
def rule_lists(draw: st.DrawFn, vocabulary: Vocabulary) -> tuple[Rule, ...]:
    """1-6 rules; each derives a fact or takes a stance, some unconditionally."""
    count = draw(st.integers(min_value=1, max_value=6))
    rules = []
    for index in range(count):
        when = draw(st.none() | conditions(vocabulary))
        then: FactConclusion | StanceConclusion
        if draw(st.booleans()):
            then = FactConclusion(fact=draw(st.sampled_from(sorted(vocabulary.facts))))
        else:
            then = StanceConclusion(question="q", op=Op.IS, value="yes")
        rules.append(Rule(id=f"e.r{index}", expert="e", when=when, then=then))
    return tuple(rules)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_random_rule_bases_match_reference(data: st.DataObject) -> None:
    """(b) Random small rule bases: same firings from durable_rules and the reference.

    Rule bases whose negations form a cycle (refused by validation) or whose
    conditions expand past the branch limit (refused by the compiler) are not
    programs at all, so they are skipped with `reject()`.
    """
    vocabulary = data.draw(vocabularies(), label="vocabulary")
    rules = data.draw(rule_lists(vocabulary), label="rules")
    try:
        stratify(rules, vocabulary)
    except NegationCycle:
        reject()
    try:
        program = compile_rules(rules, vocabulary)
    except InputError:
        reject()
    # durable_rules binds a distinct fact per pattern, so compiled branches must never reuse one.
    assert not any(reuses_a_fact(branch) for stratum in program.strata for branch in stratum.branches.values())
    durable, reference = DurableMatcher(program), ReferenceMatcher(program)
    for values in data.draw(st.lists(scenarios(vocabulary, program), min_size=1, max_size=6), label="scenarios"):
        assert_same_firings(program, durable, reference, values)


def reuses_a_fact(branch: Branch) -> bool:
    """Whether a branch needs a derived fact twice, or needs it and its absence.

    durable_rules binds a distinct fact to every pattern of a rule, `$not`
    included, so such a branch compiles to something that means otherwise.
    """
    positive = [literal.fact for literal in branch.literals if isinstance(literal, FactLiteral) and literal.positive]
    negative = {literal.fact for literal in branch.literals if isinstance(literal, FactLiteral) and not literal.positive}
    return len(positive) != len(set(positive)) or not negative.isdisjoint(positive)


# --- engine bugs once found by the tests above, kept as minimal reproductions ---

BUG_VOCABULARY = Vocabulary(
    variables={
        "v": NumberVariable(type="number", meaning="a count", unit="things", min=0, max=5),
        "flag": BooleanVariable(type="boolean", meaning="a flag"),
    },
    facts={"f": FactDecl(meaning="a derived fact")},
    questions={"q": Question(text="a question?", outcomes=("no", "yes"))},
)
YES = StanceConclusion(question="q", op=Op.IS, value="yes")


def test_repeated_value_in_list_fires_once() -> None:
    """`{var: v, in: [0, 0]}` means `v is 0`: it must fire once, not raise EngineFailure."""
    rules = (Rule(id="e.r", expert="e", when=VarTest(var="v", op=Op.IN, value=(0, 0)), then=YES),)
    program = compile_rules(rules, BUG_VOCABULARY)
    assert_same_firings(program, DurableMatcher(program), ReferenceMatcher(program), {"v": 0, "flag": False})


def test_fact_needed_twice_fires() -> None:
    """`all: [{fact: f}, {any: [{fact: f}, {var: flag, is: true}]}]` holds when f does, whatever the flag."""
    rules = (
        Rule(id="e.make", expert="e", then=FactConclusion(fact="f")),
        Rule(
            id="e.use",
            expert="e",
            when=AllOf(all=(FactTest(fact="f"), AnyOf(any=(FactTest(fact="f"), VarTest(var="flag", op=Op.IS, value=True))))),
            then=YES,
        ),
    )
    program = compile_rules(rules, BUG_VOCABULARY)
    assert_same_firings(program, DurableMatcher(program), ReferenceMatcher(program), {"v": 0, "flag": False})


def test_fact_and_its_negation_never_fires() -> None:
    """`all: [{any: [{fact: f}, {var: flag, is: true}]}, {not: {fact: f}}]` must not fire while f holds.

    In disjunctive normal form its first branch is `f and not f`: a
    contradiction that durable_rules fires whenever f holds.
    """
    rules = (
        Rule(id="e.make", expert="e", then=FactConclusion(fact="f")),
        Rule(
            id="e.use",
            expert="e",
            when=AllOf(
                all=(
                    AnyOf(any=(FactTest(fact="f"), VarTest(var="flag", op=Op.IS, value=True))),
                    NotOf.model_validate({"not": FactTest(fact="f")}),
                )
            ),
            then=YES,
        ),
    )
    program = compile_rules(rules, BUG_VOCABULARY)
    assert_same_firings(program, DurableMatcher(program), ReferenceMatcher(program), {"v": 0, "flag": False})

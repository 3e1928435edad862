"""Model-based tests: the durable_rules matcher against the plain-Python reference.

`DurableMatcher` goes through every trap of durable_rules (see
engine/matching/durable.py); the `ReferenceMatcher` in tests/reference.py
says what a program means with no engine at all. Hypothesis drives both with
the same input and demands the same firings:

(a) the shipped rule base, with random complete scenarios;
(b) random small rule bases (tests/strategies.py), so chaining, negation
    across strata and membership tests are exercised well beyond what the
    shipped rules use.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from reference import ReferenceMatcher
from strategies import BUG_VOCABULARY, rule_lists, scenarios, vocabularies

from engine.language import (
    AllOf,
    AnyOf,
    FactClaim,
    FactLiteral,
    FactRef,
    NotOf,
    Op,
    StanceClaim,
    TooManyBranches,
    Value,
    VarTest,
)
from engine.matching.compile import Branch, Program, compile_rule_base, compile_rules
from engine.matching.durable import DurableMatcher
from engine.matching.strata import NegationCycle, stratify
from engine.model import Rule, Vocabulary
from engine.pipeline import load_valid

RULES = Path(__file__).resolve().parent.parent / "rules"


@functools.cache
def shipped() -> tuple[Vocabulary, DurableMatcher, ReferenceMatcher]:
    """The shipped rule base, compiled once: every example reuses one matcher."""
    rule_base = load_valid(RULES)
    program = compile_rule_base(rule_base)
    return rule_base.vocabulary, DurableMatcher(program), ReferenceMatcher(program)


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


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_random_rule_bases_match_reference(data: st.DataObject) -> None:
    """(b) Random small rule bases: same firings from durable_rules and the reference.

    Rule bases whose negations form a cycle or whose conditions expand past
    the branch limit are refused by validation, so they are not programs at
    all: they are skipped with `reject()`.
    """
    vocabulary = data.draw(vocabularies(), label="vocabulary")
    rules = data.draw(rule_lists(vocabulary), label="rules")
    try:
        stratify(rules, vocabulary)
        program = compile_rules(rules, vocabulary)
    except (NegationCycle, TooManyBranches):
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

YES = StanceClaim("q", Op.IS, ("yes",))


def test_repeated_value_in_list_fires_once() -> None:
    """`{var: v, in: [0, 0]}` means `v is 0`: it must fire once, not raise EngineFailure."""
    rules = (Rule(id="e.r", expert="e", when=VarTest("v", Op.IN, (0, 0)), then=YES),)
    program = compile_rules(rules, BUG_VOCABULARY)
    assert_same_firings(program, DurableMatcher(program), ReferenceMatcher(program), {"v": 0, "flag": False})


def test_fact_needed_twice_fires() -> None:
    """`all: [{fact: f}, {any: [{fact: f}, {var: flag, is: true}]}]` holds when f does, whatever the flag."""
    rules = (
        Rule(id="e.make", expert="e", then=FactClaim("f")),
        Rule(id="e.use", expert="e", when=AllOf((FactRef("f"), AnyOf((FactRef("f"), VarTest("flag", Op.IS, (True,)))))), then=YES),
    )
    program = compile_rules(rules, BUG_VOCABULARY)
    assert_same_firings(program, DurableMatcher(program), ReferenceMatcher(program), {"v": 0, "flag": False})


def test_fact_and_its_negation_never_fires() -> None:
    """`all: [{any: [{fact: f}, {var: flag, is: true}]}, {not: {fact: f}}]` must not fire while f holds.

    In disjunctive normal form its first branch is `f and not f`: a
    contradiction that durable_rules fires whenever f holds.
    """
    rules = (
        Rule(id="e.make", expert="e", then=FactClaim("f")),
        Rule(id="e.use", expert="e", when=AllOf((AnyOf((FactRef("f"), VarTest("flag", Op.IS, (True,)))), NotOf(FactRef("f")))), then=YES),
    )
    program = compile_rules(rules, BUG_VOCABULARY)
    assert_same_firings(program, DurableMatcher(program), ReferenceMatcher(program), {"v": 0, "flag": False})

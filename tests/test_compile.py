"""Compilation, stratification and stance resolution, unit by unit."""

from __future__ import annotations

import pytest
from builders import condition, rule, vocabulary

from engine.language import MAX_BRANCHES, FactLiteral, Op, TooManyBranches, VarTest, allowed, branches
from engine.load.strata import NegationCycle, stratify
from engine.matching.compile import Branch, compile_rules
from engine.matching.durable import engine_rule, scenario_fact
from engine.resolve.results import Stance
from engine.resolve.stances import combine

VOCABULARY = vocabulary(
    {
        "variables": {
            "a": {"type": "boolean", "meaning": "a"},
            "level": {"type": "level", "levels": ["low", "mid", "high"], "meaning": "l"},
            "n": {"type": "number", "unit": "u", "min": 0, "max": 10, "meaning": "n"},
        },
        "facts": {"f": {"meaning": "f"}, "g": {"meaning": "g"}, "h": {"meaning": "h"}},
        "questions": {"q": {"text": "q?", "outcomes": ["w", "x", "y", "z"]}},
    }
)


def test_dnf_distributes_and_over_or() -> None:
    written = condition({"all": [{"var": "a", "is": True}, {"any": [{"fact": "f"}, {"var": "n", "at_least": 3}]}]})
    assert branches(written) == [
        (VarTest("a", Op.IS, (True,)), FactLiteral("f", True)),
        (VarTest("a", Op.IS, (True,)), VarTest("n", Op.AT_LEAST, (3,))),
    ]


def test_negation_is_pushed_to_the_literals() -> None:
    written = condition({"not": {"any": [{"var": "n", "at_least": 3}, {"fact": "f"}, {"var": "level", "in": ["low", "mid"]}]}})
    assert branches(written) == [
        (VarTest("n", Op.BELOW, (3,)), FactLiteral("f", False), VarTest("level", Op.NOT_IN, ("low", "mid"))),
    ]


def test_double_negation_cancels() -> None:
    written = condition({"not": {"not": {"var": "a", "is": True}}})
    assert branches(written) == [(VarTest("a", Op.IS, (True,)),)]


def test_no_condition_is_one_empty_branch() -> None:
    assert branches(None) == [()]


def test_too_many_alternatives_are_refused() -> None:
    """2^7 = 128 alternatives: over the limit; 2^6 = 64 is exactly at it."""
    wide = {"all": [{"any": [{"var": "n", "is": 2 * value}, {"var": "n", "is": 2 * value + 1}]} for value in range(7)]}
    with pytest.raises(TooManyBranches):
        branches(condition(wide))
    assert len(branches(condition({"all": wide["all"][:6]}))) == MAX_BRANCHES


def test_engine_rule_puts_every_variable_test_on_the_one_scenario_fact() -> None:
    branch = Branch(
        "x.r",
        0,
        (VarTest("level", Op.AT_LEAST, ("mid",)), VarTest("a", Op.IS_NOT, (True,)), FactLiteral("f", True), FactLiteral("g", False)),
    )
    program = compile_rules((rule("x.r", None, {"question": "q", "is": "w"}),), VOCABULARY)
    compiled = engine_rule(branch, program.kinds)
    assert compiled == {
        "all": [
            {"scn": {"$and": [{"kind": "scenario"}, {"$gte": {"v_level": 1}}, {"$neq": {"v_a": 1}}]}},
            {"f2": {"$and": [{"kind": "fact"}, {"name": "f"}]}},
            {"n3$not": {"$and": [{"kind": "fact"}, {"name": "g"}]}},
        ]
    }


def test_encode_makes_every_value_a_number_and_refuses_a_wrong_type() -> None:
    program = compile_rules((rule("x.r", None, {"question": "q", "is": "w"}),), VOCABULARY)
    assert program.encode({"a": True, "level": "high", "n": 7}) == {"a": 1, "level": 2, "n": 7}
    assert scenario_fact(program, {"a": True, "level": "high", "n": 7}) == {"kind": "scenario", "v_a": 1, "v_level": 2, "v_n": 7}
    for wrong in ({"n": "7"}, {"n": True}, {"n": float("nan")}, {"a": 1}, {"a": "true"}, {"level": "highest"}, {"level": 2}):
        with pytest.raises(TypeError):
            program.encode(wrong)


def test_branches_are_normalised_for_the_engine() -> None:
    """The engine binds a distinct fact per pattern: no repeats, and no branch needing f and not f."""
    written = condition(
        {"all": [{"fact": "f"}, {"any": [{"fact": "f"}, {"not": {"fact": "f"}}, {"var": "level", "in": ["low", "low", "mid"]}]}]}
    )
    assert branches(written) == [
        (FactLiteral("f", True),),
        (FactLiteral("f", True), VarTest("level", Op.IN, ("low", "mid"))),
    ]


def test_strata_put_a_negation_after_every_producer() -> None:
    rules = (
        rule("x.makes_f", {"var": "a", "is": True}, {"fact": "f"}),
        rule("x.makes_f_late", {"fact": "g"}, {"fact": "f"}),
        rule("x.makes_g", {"not": {"fact": "h"}}, {"fact": "g"}),
        rule("x.makes_h", {"var": "n", "above": 3}, {"fact": "h"}),
        rule("x.needs_no_f", {"not": {"fact": "f"}}, {"question": "q", "is": "w"}),
    )
    strata = stratify(rules, VOCABULARY)
    assert strata.fact_stratum == {"h": 0, "g": 1, "f": 1}
    assert strata.rule_stratum == {"x.makes_f": 1, "x.makes_f_late": 1, "x.makes_g": 1, "x.makes_h": 0, "x.needs_no_f": 2}
    program = compile_rules(rules, VOCABULARY)
    assert [sorted(stratum.reads) for stratum in program.strata] == [[], ["h"], ["f"]]


def test_negation_cycle_is_refused_with_its_rules() -> None:
    rules = (
        rule("x.f_unless_g", {"not": {"fact": "g"}}, {"fact": "f"}),
        rule("x.g_if_f", {"fact": "f"}, {"fact": "g"}),
    )
    with pytest.raises(NegationCycle) as caught:
        stratify(rules, VOCABULARY)
    assert set(caught.value.rules) == {"x.f_unless_g", "x.g_if_f"}
    assert caught.value.rules[0] == caught.value.rules[-1], "the cycle is reported as a closed walk"


def test_a_positive_cycle_is_allowed() -> None:
    rules = (rule("x.f_if_g", {"fact": "g"}, {"fact": "f"}), rule("x.g_if_f", {"fact": "f"}, {"fact": "g"}))
    assert stratify(rules, VOCABULARY).count == 1


SCALE = ("withdraw", "curtail", "maintain", "increase")


@pytest.mark.parametrize(
    ("op", "values", "expected"),
    [
        (Op.IS, ("curtail",), ("curtail",)),
        (Op.IS_NOT, ("withdraw",), ("curtail", "maintain", "increase")),
        (Op.IN, ("increase", "withdraw"), ("withdraw", "increase")),
        (Op.NOT_IN, ("increase", "withdraw"), ("curtail", "maintain")),
        (Op.AT_LEAST, ("maintain",), ("maintain", "increase")),
        (Op.AT_MOST, ("curtail",), ("withdraw", "curtail")),
        (Op.ABOVE, ("maintain",), ("increase",)),
        (Op.BELOW, ("curtail",), ("withdraw",)),
    ],
    ids=[op.value for op in Op],
)
def test_allowed_outcomes_on_an_ordered_scale(op: Op, values: tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert allowed(op, values, SCALE) == expected


def stance(expert: str, outcomes: tuple[str, ...]) -> Stance:
    return Stance(expert, outcomes, "stated" if outcomes else "self-conflict", (), (), ())


@pytest.mark.parametrize(
    ("stances", "expected"),
    [
        ((), ((), "no-stance")),
        ((stance("a", ("curtail",)), stance("b", ("curtail",))), (("curtail",), "consensus")),
        ((stance("a", ("curtail",)), stance("b", ("curtail", "maintain", "increase"))), (("curtail",), "compatible")),
        ((stance("a", ("increase",)), stance("b", ("withdraw",))), ((), "conflict")),
        ((stance("a", ()), stance("b", SCALE)), ((), "conflict")),
    ],
    ids=["none", "same", "overlap", "disjoint", "self-conflict"],
)
def test_combine(stances: tuple[Stance, ...], expected: tuple[tuple[str, ...], str]) -> None:
    assert combine(stances, SCALE) == expected

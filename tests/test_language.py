"""The rule language, one concern at a time: what each operator means on each kind of variable and
on ordered scales, how condition trees are walked and put in normal form, and how it is all said.

Adding an operator or a kind of variable changes engine/language.py and this file.
"""

from __future__ import annotations

import math

import pytest
from builders import condition

from engine.language import (
    KINDS,
    MAX_BRANCHES,
    BooleanKind,
    FactLiteral,
    FactRef,
    LevelKind,
    NumberKind,
    Op,
    StanceClaim,
    TooManyBranches,
    VarTest,
    allowed,
    branches,
    declare,
    describe_conclusion,
    describe_condition,
    describe_literal,
    holds,
    leaves,
    show_plain,
    show_value,
    yaml_scalar,
)

LEVELS = LevelKind(("low", "mid", "high"))
COUNT = NumberKind(0, 10, "things")
SHARE = NumberKind(0.0, 1.0, "share", integer=False)
KINDS_BY_NAME = {"a": BooleanKind(), "level": LEVELS, "n": COUNT}

# --- operators on every kind ---------------------------------------------------------

# (kind, op, value, targets, holds): every operator on every kind, on both sides of its threshold.
TRUTH = [
    (BooleanKind(), Op.IS, True, (True,), True),
    (BooleanKind(), Op.IS, False, (True,), False),
    (BooleanKind(), Op.IS_NOT, False, (True,), True),
    (BooleanKind(), Op.IS_NOT, True, (True,), False),
    (LEVELS, Op.IS, "mid", ("mid",), True),
    (LEVELS, Op.IS_NOT, "mid", ("mid",), False),
    (LEVELS, Op.IN, "high", ("low", "high"), True),
    (LEVELS, Op.IN, "mid", ("low", "high"), False),
    (LEVELS, Op.NOT_IN, "mid", ("low", "high"), True),
    (LEVELS, Op.NOT_IN, "low", ("low", "high"), False),
    (LEVELS, Op.AT_LEAST, "mid", ("mid",), True),
    (LEVELS, Op.AT_LEAST, "low", ("mid",), False),
    (LEVELS, Op.AT_MOST, "mid", ("mid",), True),
    (LEVELS, Op.AT_MOST, "high", ("mid",), False),
    (LEVELS, Op.ABOVE, "high", ("mid",), True),
    (LEVELS, Op.ABOVE, "mid", ("mid",), False),
    (LEVELS, Op.BELOW, "low", ("mid",), True),
    (LEVELS, Op.BELOW, "mid", ("mid",), False),
    (COUNT, Op.IS, 3, (3,), True),
    (COUNT, Op.IS_NOT, 3, (3,), False),
    (COUNT, Op.IN, 4, (3, 4), True),
    (COUNT, Op.NOT_IN, 4, (3, 4), False),
    (COUNT, Op.AT_LEAST, 3, (3,), True),
    (COUNT, Op.AT_LEAST, 2, (3,), False),
    (COUNT, Op.AT_MOST, 3, (3,), True),
    (COUNT, Op.AT_MOST, 4, (3,), False),
    (COUNT, Op.ABOVE, 4, (3,), True),
    (COUNT, Op.ABOVE, 3, (3,), False),
    (COUNT, Op.BELOW, 2, (3,), True),
    (COUNT, Op.BELOW, 3, (3,), False),
    (SHARE, Op.AT_LEAST, 0.5, (0.5,), True),
    (SHARE, Op.BELOW, 0.5, (0.5,), False),
]


@pytest.mark.parametrize(("kind", "op", "value", "targets", "expected"), TRUTH)
def test_what_each_operator_means_on_each_kind(kind: object, op: Op, value: object, targets: tuple[object, ...], expected: bool) -> None:
    assert kind.holds(op, value, targets) is expected  # type: ignore[attr-defined]


@pytest.mark.parametrize("op", list(Op), ids=[op.value for op in Op])
def test_every_operator_and_its_negation_split_every_value(op: Op) -> None:
    """`not (x op t)` is `x op.negated t` for every value of a level and a number: negation is pushed exactly."""
    for kind, values, targets in ((LEVELS, LEVELS.levels, ("mid",)), (COUNT, range(11), (3,))):
        targets = ("low", "mid") if op.takes_list and kind is LEVELS else (3, 4) if op.takes_list else targets
        for value in values:
            assert kind.holds(op.negated, value, targets) is not kind.holds(op, value, targets)
    assert op.negated.negated is op


def test_which_operators_apply_to_which_kind() -> None:
    assert BooleanKind().operator_problem(Op.AT_LEAST, "a") == ("'at_least' does not apply to boolean 'a'", "use 'is' or 'is_not'")
    assert all(BooleanKind().operator_problem(op, "a") is None for op in (Op.IS, Op.IS_NOT))
    assert SHARE.operator_problem(Op.IN, "s") == ("'in' does not apply to the continuous number 's'", "use at_least / at_most")
    assert all(kind.operator_problem(op, "x") is None for kind in (LEVELS, COUNT) for op in Op)


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        (BooleanKind(), "yes", "expected true or false for boolean 'x', got 'yes'"),
        (BooleanKind(), 1, "expected true or false for boolean 'x', got 1"),
        (LEVELS, "hihg", "expected one of low, mid, high for 'x', got 'hihg'"),
        (LEVELS, 2, "expected one of low, mid, high for 'x', got 2"),
        (COUNT, True, "expected a number (things) for 'x', got true"),
        (COUNT, "3", "expected a number (things) for 'x', got '3'"),
        (COUNT, 2.5, "expected a whole number (things) for 'x', got 2.5"),
        (COUNT, 11, "11 is out of range for 'x': expected 0 to 10 things"),
        (COUNT, math.inf, "expected a finite number (things) for 'x', got inf"),
        (COUNT, 10**400, "100000000000000000000000000000...0000000000 (401 characters) is out of range for 'x': expected 0 to 10 things"),
        (SHARE, 2.5, "2.5 is out of range for 'x': expected 0.0 to 1.0 share"),
    ],
)
def test_each_kind_refuses_what_is_not_its_value(kind: object, value: object, problem: str) -> None:
    assert kind.problem(value, "x")[0] == problem  # type: ignore[attr-defined]


def test_each_kind_accepts_its_values() -> None:
    assert all(
        kind.problem(value, "x") is None
        for kind, value in ((BooleanKind(), False), (LEVELS, "low"), (COUNT, 0), (COUNT, 10), (SHARE, 0.25))
    )
    assert LEVELS.problem("hihg", "x") == ("expected one of low, mid, high for 'x', got 'hihg'", "did you mean 'high'?")


@pytest.mark.parametrize(
    ("kind", "written", "problem"),
    [
        (BooleanKind(), "yes", ("expected true or false for boolean 'x', got yes", "did you mean 'true'?")),
        (BooleanKind(), "OFF", ("expected true or false for boolean 'x', got OFF", "did you mean 'false'?")),
        (LEVELS, "no", ("expected one of low, mid, high for 'x', got no", None)),  # the message lists the levels: no hint repeats them
        (COUNT, "0x10", ("expected a number (things) for 'x', got 0x10", "0x10 is a hexadecimal number; did you mean 16?")),
        (COUNT, "012", ("expected a number (things) for 'x', got 012", "012 is a number with a leading zero; did you mean 12?")),
        (COUNT, "1_0", ("expected a number (things) for 'x', got 1_0", "1_0 is a number with '_' in it; did you mean 10?")),
        (COUNT, "1:30", ("expected a number (things) for 'x', got 1:30", "write the number itself: YAML 1.1 read this form in base 60")),
    ],
)
def test_a_value_is_echoed_as_written_with_the_value_it_may_mean(kind: object, written: str, problem: tuple[str, str | None]) -> None:
    """A file's plain text comes back as the user wrote it, and YAML 1.1's spellings get a did-you-mean."""
    assert kind.problem(written, "x", written) == problem  # type: ignore[attr-defined]


def test_a_number_variable_needs_finite_bounds() -> None:
    with pytest.raises(ValueError, match="must be finite"):
        NumberKind(0, math.inf, "things")


def test_ranks_order_each_kind() -> None:
    assert [BooleanKind().rank(value) for value in (False, True)] == [0, 1]
    assert [LEVELS.rank(level) for level in LEVELS.levels] == [0, 1, 2]
    assert COUNT.rank(7) == 7


def test_representatives_cover_every_class_the_thresholds_cut() -> None:
    assert COUNT.representatives([3, 7]) == [0, 3, 4, 7, 8]
    assert COUNT.representatives([10]) == [0, 10]
    assert SHARE.representatives([0.5]) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert LEVELS.representatives([]) == ["low", "mid", "high"] and BooleanKind().representatives([]) == [False, True]
    assert (COUNT.size(), LEVELS.size(), BooleanKind().size(), SHARE.size()) == (11, 3, 2, None)


def test_a_vocabulary_declares_kinds_by_name() -> None:
    assert set(KINDS) == {"boolean", "level", "number"}
    assert declare("level", {"levels": ["low", "high"]}) == LevelKind(("low", "high"))
    assert declare("number", {"unit": "u", "min": 0, "max": 5, "integer": None}) == NumberKind(0, 5, "u")
    assert declare("boolean", {"levels": None}) == BooleanKind()
    for kind, fields, message in [
        ("colour", {}, "unknown type 'colour', expected one of: boolean, level, number"),
        ("boolean", {"levels": ["a", "b"]}, "a boolean variable takes no 'levels'"),
        ("number", {"unit": "u", "min": 0}, "a number variable needs 'max'"),
        ("number", {"unit": "u", "min": 5, "max": 0}, "min 5 is above max 0"),
        ("level", {"levels": ["a", "a"]}, "levels repeat a name"),
        ("level", {"levels": ["a"]}, "needs at least two levels, lowest first"),
    ]:
        with pytest.raises(ValueError, match=message):
            declare(kind, fields)
    for kind in (BooleanKind(), LEVELS, COUNT):
        assert declare(kind.name, kind.declaration()) == kind


# --- ordered scales ----------------------------------------------------------------------------


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


# --- the normal form -------------------------------------------------------------------


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


def test_branches_are_normalised_for_the_engine() -> None:
    """The engine binds a distinct fact per pattern: no repeats, and no branch needing f and not f."""
    written = condition(
        {"all": [{"fact": "f"}, {"any": [{"fact": "f"}, {"not": {"fact": "f"}}, {"var": "level", "in": ["low", "low", "mid"]}]}]}
    )
    assert branches(written) == [
        (FactLiteral("f", True),),
        (FactLiteral("f", True), VarTest("level", Op.IN, ("low", "mid"))),
    ]


# --- walking condition trees ---------------------------------------------------------


def test_leaves_carry_their_negation_and_key_path() -> None:
    written = condition({"all": [{"var": "a", "is": True}, {"not": {"any": [{"fact": "f"}, {"not": {"fact": "g"}}]}}]})
    found = [(leaf.node, leaf.negated, leaf.key) for leaf in leaves(written)]
    assert found == [
        (VarTest("a", Op.IS, (True,)), False, ("all", 0)),
        (FactRef("f"), True, ("all", 1, "not", "any", 0)),
        (FactRef("g"), False, ("all", 1, "not", "any", 1, "not")),
    ]
    assert list(leaves(None)) == []


def test_holds_evaluates_a_tree_on_values_and_facts() -> None:
    written = condition({"any": [{"all": [{"var": "level", "at_least": "mid"}, {"fact": "f"}]}, {"not": {"var": "n", "below": 5}}]})
    assert holds(written, {"level": "high", "n": 0}, {"f"}, KINDS_BY_NAME)
    assert not holds(written, {"level": "high", "n": 0}, set(), KINDS_BY_NAME)
    assert holds(written, {"level": "low", "n": 5}, set(), KINDS_BY_NAME)


def test_the_normal_form_means_what_the_tree_means() -> None:
    """Every branch of the normal form, over every scenario: the tree holds iff some branch holds."""
    written = condition(
        {
            "all": [
                {"not": {"all": [{"var": "n", "at_least": 3}, {"fact": "f"}]}},
                {"any": [{"var": "a", "is": True}, {"var": "level", "in": ["low", "high"]}]},
            ]
        }
    )
    for a in (False, True):
        for level in LEVELS.levels:
            for n in range(11):
                for facts in (set(), {"f"}):
                    values = {"a": a, "level": level, "n": n}
                    by_branches = any(all(_literal_holds(literal, values, facts) for literal in branch) for branch in branches(written))
                    assert by_branches is holds(written, values, facts, KINDS_BY_NAME)


def _literal_holds(literal: VarTest | FactLiteral, values: dict[str, object], facts: set[str]) -> bool:
    if isinstance(literal, FactLiteral):
        return (literal.fact in facts) is literal.positive
    return KINDS_BY_NAME[literal.var].holds(literal.op, values[literal.var], literal.values)  # type: ignore[arg-type]


# --- saying it ---------------------------------------------------------------------------


def test_values_are_shown_as_their_writers_would() -> None:
    assert [show_value(value) for value in (True, None, "no", 3, [1, "a"], {"a": 1})] == [
        "true",
        "null",
        "'no'",
        "3",
        "[1, 'a']",
        "a mapping",
    ]
    assert show_value("x" * 100) == "'" + "x" * 29 + "..." + "x" * 9 + "' (102 characters)", "a long value: its ends and its length"
    assert [show_plain(value) for value in (False, "high", 1200, 0.5)] == ["false", "high", "1200", "0.5"]
    assert [yaml_scalar(value) for value in (True, 3, 0.5, "high", "no", "2nd", "two words")] == [
        "true",
        "3",
        "0.5",
        "high",
        '"no"',
        '"2nd"',
        '"two words"',
    ]


def test_conditions_and_conclusions_are_said_in_words() -> None:
    assert describe_literal(VarTest("level", Op.IN, ("low", "high"))) == "level is one of [low, high]"
    assert describe_literal(FactLiteral("f", False)) == "no fact f"
    assert describe_condition(condition({"any": [{"var": "n", "at_least": 3}, {"all": [{"fact": "f"}, {"var": "a", "is": False}]}]})) == (
        "n is at least 3, or fact f and a is false"
    )
    assert describe_condition(None) == "always"
    assert describe_conclusion(StanceClaim("q", Op.IS_NOT, ("withdraw",))) == "q is not withdraw"


@pytest.mark.parametrize("op", list(Op), ids=[op.value for op in Op])
def test_generated_code_means_what_the_operator_means(op: Op) -> None:
    """The Python spelling of every operator, for the compiled matcher, agrees with `compare` on every rank."""
    from engine.language import compare, python_test

    targets = (2.0, 5) if op.takes_list else (2,)
    expression = python_test(op, "rank", targets)
    for rank in (0, 1, 2, 2.0, 2.5, 3, 5, 7):
        assert eval(expression, {"rank": rank}) is compare(op, rank, targets), (expression, rank)

"""Compilation, stratification and stance resolution, unit by unit."""

from __future__ import annotations

import pytest
from builders import rule, vocabulary

from engine.language import Op
from engine.matching.compile import compile_rules
from engine.matching.rulesets import Codes, engine_rule, scenario_fact
from engine.matching.strata import stratify

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


WHEN = {"all": [{"var": "level", "at_least": "mid"}, {"var": "a", "is_not": True}, {"fact": "f"}, {"not": {"fact": "g"}}]}


def test_engine_rule_puts_every_variable_test_on_the_one_scenario_fact() -> None:
    """Constants reach the engine as codes: mid (rank 1) is the level's only constant, code 1; true is a's, code 1."""
    rules = (rule("x.f", None, {"fact": "f"}), rule("x.g", None, {"fact": "g"}), rule("x.r", WHEN, {"question": "q", "is": "w"}))
    program = compile_rules(rules, VOCABULARY)
    (branch,) = [branch for stratum in program.strata for branch in stratum.branches.values() if branch.rule_id == "x.r"]
    compiled = engine_rule(branch, program.kinds, Codes(program))
    assert compiled == {
        "all": [
            {"scn": {"$and": [{"kind": "scenario"}, {"$gte": {"v_level": 1}}, {"$neq": {"v_a": 1}}]}},
            {"f2": {"$and": [{"kind": "fact"}, {"name": "f"}]}},
            {"n3$not": {"$and": [{"kind": "fact"}, {"name": "g"}]}},
        ]
    }
    assert scenario_fact(program, {"a": True, "level": "high", "n": 7}) == {"kind": "scenario", "v_a": 1, "v_level": 2, "v_n": 0}


def test_codes_compare_as_the_ranks_do() -> None:
    """Every value, against every constant and every operator: the code gives the answer the rank gives."""
    from engine.language import compare

    thresholds = (-1e300, -2.5, 0, 1e-09, 3, 3.5, 1e300)
    written = {"any": [{"var": "n", "at_least": value} for value in thresholds]}
    vocabulary_ = vocabulary(
        {
            "variables": {"n": {"type": "number", "unit": "u", "min": -1e308, "max": 1e308, "integer": False, "meaning": "n"}},
            "questions": {"q": {"text": "q?", "outcomes": ["w", "x"]}},
        }
    )
    program = compile_rules((rule("x.r", written, {"question": "q", "is": "w"}),), vocabulary_)
    codes = Codes(program)
    values = (-1e308, *thresholds, -3, 1e-10, 2e-09, 3.25, 4, 1e308)
    for value in values:
        assert type(codes.code("n", value)) is int
        for threshold in thresholds:
            for op in (Op.IS, Op.IS_NOT, Op.AT_LEAST, Op.AT_MOST, Op.ABOVE, Op.BELOW):
                assert compare(op, codes.code("n", value), [codes.code("n", threshold)]) is compare(op, value, [threshold]), (
                    value,
                    op,
                    threshold,
                )


def test_encode_makes_every_value_a_number_and_refuses_a_wrong_type() -> None:
    program = compile_rules((rule("x.r", None, {"question": "q", "is": "w"}),), VOCABULARY)
    assert program.encode({"a": True, "level": "high", "n": 7}) == {"a": 1, "level": 2, "n": 7}
    for wrong in ({"n": "7"}, {"n": True}, {"n": float("nan")}, {"a": 1}, {"a": "true"}, {"level": "highest"}, {"level": 2}):
        with pytest.raises(TypeError):
            program.encode(wrong)


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


def test_a_chain_of_three_thousand_rules_compiles_and_runs() -> None:
    """Stratification and the compiled matcher walk the dependency graph without recursion: no depth limit."""
    from engine.matching.compiled import CompiledMatcher

    length = 3000
    chain = vocabulary(
        {
            "variables": {"v": {"type": "boolean", "meaning": "V."}},
            "facts": {f"f{index}": {"meaning": "F."} for index in range(length)},
            "questions": {"q": {"text": "Q?", "outcomes": ["a", "b"]}},
        }
    )
    rules = (
        rule("e.r0", {"not": {"var": "v", "is": False}}, {"fact": "f0"}),
        *(rule(f"e.r{index}", {"fact": f"f{index - 1}"}, {"fact": f"f{index}"}) for index in range(1, length)),
        rule("e.last", {"not": {"fact": f"f{length - 1}"}}, {"question": "q", "is": "a"}),
    )
    matcher = CompiledMatcher(compile_rules(rules, chain))
    assert {firing.rule_id for firing in matcher.run({"v": True})} == {f"e.r{index}" for index in range(length)}
    assert {firing.rule_id for firing in matcher.run({"v": False})} == {"e.last"}

"""The compiled matcher gives the same firings as durable_rules, everywhere it is asked.

- on every class of the shipped rule base's scenario space (exact: one
  scenario per class of values the rules can tell apart);
- on random rule bases with chaining and negation (tests/strategies.py),
  against durable_rules and the plain-Python reference;
- on the 300- and 1,000-rule synthetic bases within durable_rules' limits (tests/test_durable_limits.py).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from reference import ReferenceMatcher
from strategies import Compiled, compiled_rule_bases

from engine.language import FactClaim, FactRef, NotOf, Op, StanceClaim, VarTest
from engine.matching.compile import compile_rules
from engine.matching.compiled import CompiledMatcher, generate
from engine.matching.durable import DurableMatcher
from engine.model import Rule
from engine.pipeline import Engine
from engine.space import ScenarioSpace


def test_every_class_of_the_shipped_rule_base(shipped_engine: Engine) -> None:
    program = shipped_engine.program
    compiled, durable = CompiledMatcher(program), DurableMatcher(program)
    space = ScenarioSpace.of(shipped_engine.rule_base)
    points = space.points()
    assert len(points) == space.size == 1152
    for point in points:
        values = space.values(point)
        assert compiled.run(values) == durable.run(values), values


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(drawn=compiled_rule_bases())
def test_random_rule_bases_with_chaining_and_negation(drawn: Compiled) -> None:
    _, _, program, drawn_scenarios = drawn
    compiled, durable, reference = CompiledMatcher(program), DurableMatcher(program), ReferenceMatcher(program)
    for values in drawn_scenarios:
        assert compiled.run(values) == durable.run(values) == reference.run(values), (values, generate(program)[0])


def test_a_positive_cycle_runs_to_its_fixed_point() -> None:
    """f needs g and g needs f, and each has another way in: the loop must go round until nothing new fires."""
    from strategies import BUG_VOCABULARY  # a vocabulary with v (0-5), flag, fact f

    vocabulary = BUG_VOCABULARY
    rules = (
        Rule(id="e.f_from_g", expert="e", when=FactRef("g"), then=FactClaim("f")),
        Rule(id="e.g_from_f", expert="e", when=FactRef("f"), then=FactClaim("g")),
        Rule(id="e.g_from_flag", expert="e", when=VarTest("flag", Op.IS, (True,)), then=FactClaim("g")),
        Rule(id="e.yes_without_f", expert="e", when=NotOf(FactRef("f")), then=StanceClaim("q", Op.IS, ("yes",))),
    )
    program = compile_rules(rules, vocabulary)
    assert "while True" in generate(program)[0]
    compiled, reference = CompiledMatcher(program), ReferenceMatcher(program)
    for flag in (False, True):
        values = {"v": 0, "flag": flag}
        assert compiled.run(values) == reference.run(values) == DurableMatcher(program).run(values)
    fired = {firing.rule_id for firing in compiled.run({"v": 0, "flag": True})}
    assert fired == {"e.f_from_g", "e.g_from_f", "e.g_from_flag"}

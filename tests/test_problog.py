"""Every P(rule fires) and P(fact derived) equals ProbLog's exact inference, to 1e-9.

The same rule base and inputs, translated to a ProbLog program by
tests/problog_model.py: on the shipped rule base with random input
distributions (engine.testing's strategies), and on random rule bases with
chaining and negation (tests/strategies.py).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from problog_model import Translation
from strategies import rule_lists, vocabularies

from engine.language import TooManyBranches
from engine.load.scenario import check_inputs
from engine.load.strata import NegationCycle
from engine.matching.compile import compile_rules
from engine.model import Expert, Lexicon, Reading, RuleBase
from engine.pipeline import Engine
from engine.resolve.probability import Estimator
from engine.testing import uncertain_scenarios

pytest.importorskip("problog")

TOLERANCE = 1e-9
ENGINE = Engine.open(Path(__file__).resolve().parent.parent / "rules")


def assert_equal_to_problog(estimator: Estimator, rule_base: RuleBase, inputs: dict[str, object]) -> None:
    checked = check_inputs(rule_base.vocabulary, estimator.lexicon, inputs)
    ours = estimator.exact(checked)
    rules, facts = Translation(rule_base.vocabulary, rule_base.rules, checked).evaluate()
    assert set(rules) == {rule.id for rule in rule_base.rules}
    for rule_id, probability in rules.items():
        figure = ours.rules[rule_id]
        assert figure.low == figure.high, "point inputs give exact points"
        assert abs(figure.low - probability) <= TOLERANCE, (rule_id, figure.low, probability)
    for fact in rule_base.vocabulary.facts:
        assert abs(ours.facts[fact].low - facts.get(fact, 0.0)) <= TOLERANCE, (fact, ours.facts[fact], facts.get(fact))


def narrow(inputs: dict[str, object]) -> bool:
    """ProbLog's compiler recurses once per alternative of an input: keep `between` to a few dozen values."""
    return all(
        not isinstance(given, dict) or "between" not in given or given["between"][1] - given["between"][0] <= 40
        for given in inputs.values()
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(inputs=uncertain_scenarios(ENGINE, words=False).filter(narrow))
def test_the_shipped_rule_base_agrees_with_problog(inputs: dict[str, object]) -> None:
    assert_equal_to_problog(ENGINE.estimator(), ENGINE.rule_base, inputs)


def test_worked_example_2_agrees_with_problog() -> None:
    """P(fierce_fighting_trend) = 7/12 by ProbLog too."""
    inputs = {
        "junta_pays": False,
        "mali_resources": "limited",
        "deadly_clashes": {"between": [0, 5]},
        "cruel_conduct": {"chance": 0.5},
        "agreements_observed_broken": False,
        "kremlin_investment": "high",
        "heavy_losses": True,
        "wagner_fighters": 1100,
        "alienated_west": True,
    }
    checked = check_inputs(ENGINE.vocabulary, ENGINE.lexicon(), inputs)
    _, facts = Translation(ENGINE.vocabulary, ENGINE.rule_base.rules, checked).evaluate()
    assert abs(facts["fierce_fighting_trend"] - 7 / 12) <= TOLERANCE
    assert_equal_to_problog(ENGINE.estimator(), ENGINE.rule_base, inputs)


PLAIN = Lexicon(
    name="plain",
    title="plain",
    source="tests",
    readings=(Reading(("stated as fact",), Fraction(4, 5), Fraction(99, 100), standard=False, note="test"),),
    default=True,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data())
def test_random_rule_bases_with_chaining_and_negation_agree_with_problog(data: st.DataObject) -> None:
    vocabulary = data.draw(vocabularies(), label="vocabulary")
    rules = data.draw(rule_lists(vocabulary, max_rules=6), label="rules")
    try:
        program = compile_rules(rules, vocabulary)
    except (NegationCycle, TooManyBranches):
        reject()
    rule_base = RuleBase(
        directory=Path("."),
        vocabulary=vocabulary,
        experts={"e": Expert("E", "tests")},
        rules=rules,
        seeds={},
        checks=_no_checks(),
        lexicons={"plain": PLAIN},
    )
    estimator = Estimator(rule_base, program, PLAIN)
    inputs = data.draw(
        st.fixed_dictionaries({name: kind.strategy() | kind.chances_strategy() for name, kind in vocabulary.kinds.items()}), label="inputs"
    )
    assert_equal_to_problog(estimator, rule_base, inputs)


def _no_checks():  # type: ignore[no-untyped-def]
    from engine.model import Checks

    return Checks()

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
from engine.matching.compile import compile_rules
from engine.matching.strata import NegationCycle
from engine.model import Expert, Lexicon, Reading, RuleBase
from engine.pipeline import Engine
from engine.records import replace
from engine.resolve.probability import Estimator
from engine.testing import uncertain_scenarios

pytest.importorskip("problog")

TOLERANCE = 1e-9
ENGINE = Engine.open(Path(__file__).resolve().parent.parent / "rules")
HEDGED_LINKS = ("osborn.cruelty_breaks_agreements", "siegle.force_too_small")
HEDGED = Engine.from_rule_base(
    replace(
        ENGINE.rule_base,
        rules=tuple(replace(rule, hedge="likely") if rule.id in HEDGED_LINKS else rule for rule in ENGINE.rule_base.rules),
    ),
    matcher="compiled",
)
"""The shipped base with its two stated links hedged "likely" (55-80%): chained hedges on the shipped chains."""


def at_one_end(lexicon: Lexicon, side: int) -> Lexicon:
    """The lexicon with every assessed range narrowed to its low (side 0) or high (side 1) end: one corner of the switches."""
    readings = tuple(
        reading
        if reading.low is None or reading.high is None
        else Reading(reading.words, *(2 * ((reading.low, reading.high)[side],)), standard=reading.standard, note=reading.note)
        for reading in lexicon.readings
    )
    return Lexicon(lexicon.name, lexicon.title, lexicon.source, readings, lexicon.default)


def assert_equal_to_problog(estimator: Estimator, rule_base: RuleBase, inputs: dict[str, object]) -> None:
    """At one corner of the switches (each read as a point), every figure is ProbLog's, its hedged fact rules probabilistic clauses."""
    checked = check_inputs(rule_base.vocabulary, estimator.lexicon, inputs)
    ours = estimator.exact(checked)
    (switches,) = estimator.worlds.corners()
    assert all(low == high for low, high in estimator.switches.values()), "one corner"
    rules, facts = Translation(rule_base.vocabulary, rule_base.rules, checked, switches).evaluate()
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


@pytest.mark.slow
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(inputs=uncertain_scenarios(ENGINE, words=False).filter(narrow), side=st.sampled_from((0, 1)), hedged=st.booleans())
def test_the_shipped_rule_base_agrees_with_problog(inputs: dict[str, object], side: int, hedged: bool) -> None:
    """As shipped (its links stated, certain), and with its links hedged (switches at one corner)."""
    engine = HEDGED if hedged else ENGINE
    assert_equal_to_problog(END_ESTIMATORS[hedged][side], engine.rule_base, inputs)


END_ESTIMATORS = {
    hedged: [Estimator(engine.rule_base, engine.program, at_one_end(engine.lexicon(), side)) for side in (0, 1)]
    for hedged, engine in ((False, ENGINE), (True, HEDGED))
}


def test_a_range_of_switches_is_the_lowest_and_highest_of_problog_over_their_corners() -> None:
    """Osborn's and Siegle's links hedged "likely" (55-80%): each figure's ends are ProbLog's extremes over the four corners."""
    inputs = {**EXAMPLE_2, "wagner_fighters": {1100: 0.5, 2400: 0.5}}
    checked = check_inputs(HEDGED.vocabulary, HEDGED.lexicon(), inputs)
    ours = HEDGED.estimator().exact(checked)
    corners = HEDGED.estimator().worlds.corners()
    assert len(corners) == 4
    answers = [Translation(HEDGED.vocabulary, HEDGED.rule_base.rules, checked, corner).evaluate() for corner in corners]
    for fact in HEDGED.vocabulary.facts:
        found = [facts.get(fact, 0.0) for _, facts in answers]
        assert abs(ours.facts[fact].low - min(found)) <= TOLERANCE and abs(ours.facts[fact].high - max(found)) <= TOLERANCE, fact
    for rule in HEDGED.rule_base.rules:
        found = [rules[rule.id] for rules, _ in answers]
        assert abs(ours.rules[rule.id].low - min(found)) <= TOLERANCE and abs(ours.rules[rule.id].high - max(found)) <= TOLERANCE


EXAMPLE_2 = {
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


def test_worked_example_2_agrees_with_problog() -> None:
    """P(fierce_fighting_trend) = 3/6 + P(broken)/6 = 7/12 by ProbLog too; hedged "likely", 1/2 + 0.5 x 0.55/6 at its low end."""
    checked = check_inputs(ENGINE.vocabulary, ENGINE.lexicon(), EXAMPLE_2)
    _, facts = Translation(ENGINE.vocabulary, ENGINE.rule_base.rules, checked, {}).evaluate()
    assert abs(facts["fierce_fighting_trend"] - 7 / 12) <= TOLERANCE
    assert_equal_to_problog(END_ESTIMATORS[False][0], ENGINE.rule_base, EXAMPLE_2)
    _, facts = Translation(HEDGED.vocabulary, HEDGED.rule_base.rules, checked, {"osborn.cruelty_breaks_agreements": 0.55}).evaluate()
    assert abs(facts["fierce_fighting_trend"] - (0.5 + 0.5 * 0.55 / 6)) <= TOLERANCE
    assert_equal_to_problog(END_ESTIMATORS[True][0], HEDGED.rule_base, EXAMPLE_2)


PLAIN = Lexicon(
    name="plain",
    title="plain",
    source="tests",
    readings=(
        Reading(("stated as fact",), Fraction(4, 5), Fraction(99, 100), standard=False, note="test"),
        Reading(("likely",), Fraction(55, 100), Fraction(80, 100), standard=True),
    ),
    default=True,
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data(), side=st.sampled_from((0, 1)))
def test_random_rule_bases_with_chaining_and_negation_agree_with_problog(data: st.DataObject, side: int) -> None:
    """Unhedged fact rules are stated as fact (80-99%), some hedged "likely" (55-80%); at the low, then the high corner."""
    vocabulary = data.draw(vocabularies(), label="vocabulary")
    rules = data.draw(rule_lists(vocabulary, max_rules=6, hedges=("likely",)), label="rules")
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
    estimator = Estimator(rule_base, program, at_one_end(PLAIN, side))
    inputs = data.draw(
        st.fixed_dictionaries({name: kind.strategy() | kind.chances_strategy() for name, kind in vocabulary.kinds.items()}), label="inputs"
    )
    assert_equal_to_problog(estimator, rule_base, inputs)


def _no_checks():  # type: ignore[no-untyped-def]
    from engine.model import Checks

    return Checks()

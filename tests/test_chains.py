"""Hedges carry along chains (VERDICTS.md section 4): a fact concluded by a hedged rule is uncertain downstream.

A small rule base of its own: rule RULE_L ("if the strike continues past November,
imports will almost certainly fall by half", 95-99%) derives
`imports_halved`; rule RULE_O of another expert needs it ("a sustained fall in
imports would probably force the authority to ration industrial users
first", "probably" 55-80%).
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import builders
import pytest

from engine.matching.compile import compile_rules
from engine.model import Checks, Expectation, Expert, ExpertKind, Lexicon, Reading, Rule, RuleBase, Scenario
from engine.pipeline import Engine
from engine.render.jsonout import render_json
from engine.render.report import Report
from engine.render.text import render_text
from engine.resolve.expectations import unmet_expectations
from engine.resolve.probability import Estimator, estimate

LEXICON = Lexicon(
    name="test",
    title="test",
    source="tests",
    readings=(
        Reading(("almost certainly",), Fraction(95, 100), Fraction(99, 100), standard=True),
        Reading(("probably",), Fraction(55, 100), Fraction(80, 100), standard=True),
        Reading(("may",), None, None, standard=True),
        Reading(("stated as fact",), Fraction(80, 100), Fraction(99, 100), standard=False, note="test"),
        Reading(("assumed",), None, None, standard=False, note="test"),
    ),
    default=True,
)
VOCABULARY = builders.vocabulary(
    {
        "variables": {
            "strike": {"type": "boolean", "meaning": "the strike continues past November"},
            "cold": {"type": "boolean", "meaning": "a cold winter"},
        },
        "facts": {"imports_halved": {"meaning": "imports fall by half"}, "shortage": {"meaning": "a shortage"}},
        "questions": {"rationing": {"text": "Will industry be rationed?", "outcomes": ["no", "rationed"]}},
    }
)
STRIKE: dict[str, Any] = {"var": "strike", "is": True}
RULE_L = builders.rule("lee.halved", STRIKE, {"fact": "imports_halved"}, hedge="almost certainly")
RULE_O = builders.rule("ortiz.ration", {"fact": "imports_halved"}, {"question": "rationing", "is": "rationed"}, hedge="probably")


def estimator(*rules: Rule) -> Estimator:
    experts = {
        "lee": Expert("Lee", "t"),
        "ortiz": Expert("Ortiz", "t"),
        "kim": Expert("Kim", "t"),
        "analyst": Expert("A", "t", ExpertKind.ANALYST),
    }
    rule_base = RuleBase(
        directory=Path("."), vocabulary=VOCABULARY, experts=experts, rules=rules, seeds={}, checks=Checks(), lexicons={"test": LEXICON}
    )
    return Estimator(rule_base, compile_rules(rules, VOCABULARY), LEXICON)


def certain(found: Estimator, **values: bool) -> Any:
    fired = [firing.rule_id for firing in found.matcher.run(values)]
    return found.certain(fired, values)


def test_the_worked_example_a_hedged_fact_feeds_another_experts_rule() -> None:
    odds = certain(estimator(RULE_L, RULE_O), strike=True, cold=False)
    assert (odds.facts["imports_halved"].low, odds.facts["imports_halved"].high) == pytest.approx((0.95, 0.99), abs=1e-12)
    assert (odds.rules["ortiz.ration"].low, odds.rules["ortiz.ration"].high) == pytest.approx((0.95, 0.99), abs=1e-12)
    (ortiz,) = odds.question("rationing").stances
    rationed = ortiz.bounds["rationed"]  # type: ignore[index]
    assert rationed.low == pytest.approx(0.95 * 0.55, abs=1e-12)  # 0.5225: where he is silent, 0
    assert rationed.high == pytest.approx(0.95 * 0.80 + 0.05 * 1, abs=1e-12)  # 0.81: where he is silent, 1
    assert odds.method == "exact"


def test_an_analyst_bridge_is_certain_and_a_hedged_one_is_not() -> None:
    bridge = builders.rule("analyst.halved", STRIKE, {"fact": "imports_halved"}, assumption="a bridge")
    odds = certain(estimator(bridge, RULE_O), strike=True, cold=False)
    assert odds.facts["imports_halved"] == odds.rules["ortiz.ration"] and odds.facts["imports_halved"].low == 1.0
    hedged = builders.rule(
        "analyst.halved", STRIKE, {"fact": "imports_halved"}, assumption="almost certainly a bridge", hedge="almost certainly"
    )
    odds = certain(estimator(hedged, RULE_O), strike=True, cold=False)
    assert (odds.facts["imports_halved"].low, odds.facts["imports_halved"].high) == pytest.approx((0.95, 0.99), abs=1e-12)


def test_two_rules_deriving_one_fact_are_independent_causes() -> None:
    """Noisy-or: 1 - (1 - p)(1 - q), with p in 95-99% and q "probably" in 55-80%."""
    other = builders.rule("kim.halved", {"var": "cold", "is": True}, {"fact": "imports_halved"}, hedge="probably")
    odds = certain(estimator(RULE_L, other, RULE_O), strike=True, cold=True)
    low, high = 1 - 0.05 * 0.45, 1 - 0.01 * 0.20
    assert (odds.facts["imports_halved"].low, odds.facts["imports_halved"].high) == pytest.approx((low, high), abs=1e-12)
    assert (odds.rules["kim.halved"].low, odds.rules["kim.halved"].high) == pytest.approx((0.55, 0.80), abs=1e-12)


def test_a_link_stated_without_a_hedge_holds_wherever_its_condition_does() -> None:
    """An expert's link written without a hedge is as certain as an analyst's bridge (PROBABILITY.md's worked examples read it so)."""
    stated = builders.rule("kim.halved", {"var": "cold", "is": True}, {"fact": "imports_halved"})
    odds = certain(estimator(stated, RULE_O), strike=False, cold=True)
    assert odds.facts["imports_halved"].low == odds.facts["imports_halved"].high == 1.0
    assert odds.rules["ortiz.ration"].low == 1.0


def test_a_possibility_gives_its_fact_0_to_100_percent() -> None:
    maybe = builders.rule("lee.halved", STRIKE, {"fact": "imports_halved"}, hedge="may")
    odds = certain(estimator(maybe, RULE_O), strike=True, cold=False)
    assert (odds.facts["imports_halved"].low, odds.facts["imports_halved"].high) == (0.0, 1.0)


def test_a_switched_off_fact_lets_a_rule_on_its_absence_fire() -> None:
    """shortage needs imports not halved: it holds exactly where RULE_L's switch is off, 1-5%."""
    absent = builders.rule("kim.shortage", {"not": {"fact": "imports_halved"}}, {"fact": "shortage"}, assumption="x")
    bridge = Rule(id="analyst.shortage", expert="analyst", then=absent.then, when=absent.when)
    odds = certain(estimator(RULE_L, bridge), strike=True, cold=False)
    assert (odds.facts["shortage"].low, odds.facts["shortage"].high) == pytest.approx((0.01, 0.05), abs=1e-12)


def test_monte_carlo_draws_the_switches_too() -> None:
    found = estimator(RULE_L, RULE_O)
    odds = estimate(found, {"strike": True, "cold": False}, samples=20_000, seed=3)
    figure = odds.facts["imports_halved"]
    assert figure.se_low is not None and figure.se_high is not None
    assert abs(figure.low - 0.95) <= 4 * max(figure.se_low, 1e-3) and abs(figure.high - 0.99) <= 4 * max(figure.se_high, 1e-3)


def test_a_certain_scenario_whose_chain_is_hedged_reports_an_open_verdict_with_its_facts_and_rules() -> None:
    """The strike continues: Ortiz speaks only where Lee's "almost certainly" holds, so the verdict is one voice 95-99%, no stance 1-5%."""
    found = estimator(RULE_L, RULE_O)
    engine = Engine.on(found.rule_base, found.program, "compiled")
    scenario = Scenario(name="strike", values={"strike": True, "cold": False})
    forecast, odds = engine.forecast_scenario(scenario, lexicon="test")
    assert forecast is not None
    question = odds.question("rationing")
    assert question.verdict is None, "two worlds, two verdicts: the status is a probability"
    assert (question.statuses["one voice"].low, question.statuses["one voice"].high) == pytest.approx((0.95, 0.99), abs=1e-12)
    assert (question.statuses["no stance"].low, question.statuses["no stance"].high) == pytest.approx((0.01, 0.05), abs=1e-12)
    report = Report(scenario, "strike.yaml", "rules", found.rule_base, forecast, (), odds=odds)
    text = render_text(report)
    assert "verdict  no stance 1-5%, one voice 95-99% (a hedged link in the chain leaves it open)" in text
    assert re.search(r"lee\.halved +95-99%", text) and "rules that may fire" in text
    data = json.loads(render_json(report))["questions"][0]["verdict"]
    assert data["status"] is None and data["statuses"]["one voice"] == {"low": 0.95, "high": 0.99}
    pinned = Scenario(name="strike", values={"strike": True, "cold": False}, expect={"rationing": Expectation(status="one voice")})
    (mismatch,) = unmet_expectations(pinned, forecast, odds)
    assert str(mismatch) == "rationing.status: expected one voice, got {no stance: [0.01, 0.05], one voice: [0.95, 0.99]}"
    quiet = Scenario(name="no strike", values={"strike": False, "cold": False})
    forecast, odds = engine.forecast_scenario(quiet, lexicon="test")
    assert odds.question("rationing").verdict is not None
    assert "rules that may fire" not in render_text(Report(quiet, "quiet.yaml", "rules", found.rule_base, forecast, (), odds=odds))

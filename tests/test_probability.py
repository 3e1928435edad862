"""Probabilities: PROBABILITY.md's worked examples with their numbers, exact against Monte Carlo, honesty rules.

The rule base is the shipped one, read with its default lexicon (ICD 203).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import Engine, InputError
from engine.language import Value
from engine.resolve.credal import Claim
from engine.resolve.odds import Probabilities
from engine.resolve.verdict import judge

HEAVY: dict[str, object] = {
    "junta_pays": False,
    "mali_resources": "limited",
    "deadly_clashes": 4,
    "cruel_conduct": True,
    "agreements_observed_broken": True,
    "kremlin_investment": "high",
    "heavy_losses": True,
    "wagner_fighters": 1100,
    "alienated_west": True,
}
EXAMPLE_2 = {
    **HEAVY,
    "cruel_conduct": {"chance": 0.5},
    "agreements_observed_broken": False,  # the worked example predates this input: cruelty is then the only cause
    "deadly_clashes": {"between": [0, 5]},
}
EXAMPLE_3 = {**EXAMPLE_2, "wagner_fighters": {1100: 0.5, 2400: 0.5}}


def stance(odds: Probabilities, question: str, expert: str):  # type: ignore[no-untyped-def]
    return next(found for found in odds.question(question).stances if found.expert == expert)


def test_worked_example_1_investment_uncertain(shipped_engine: Engine) -> None:
    """P(weiss.no_pullout fires) = 0.7; Weiss's P(withdraw) lowest 0.7 x 0.20 = 0.14, highest 0.7 x 0.45 + 0.3 x 1 = 0.615."""
    odds = shipped_engine.probabilities({**HEAVY, "kremlin_investment": {"high": 0.7, "moderate": 0.2, "low": 0.1}})
    assert odds.method == "exact"
    fires = odds.rules["weiss.no_pullout"]
    assert fires.low == fires.high == pytest.approx(0.7, abs=1e-12)
    withdraw = stance(odds, "russia_presence", "weiss").bounds["withdraw"]
    assert (withdraw.low, withdraw.high) == (pytest.approx(0.14, abs=1e-12), pytest.approx(0.615, abs=1e-12))


def test_worked_example_2_cruelty_and_clashes_uncertain(shipped_engine: Engine) -> None:
    """P(tuareg_agreements_broken) = 0.5; P(fierce_fighting_trend) = P(>= 3) + P(= 2) x 0.5 = 3/6 + 1/12 = 0.583333."""
    odds = shipped_engine.probabilities(EXAMPLE_2)
    assert odds.facts["tuareg_agreements_broken"].low == odds.facts["tuareg_agreements_broken"].high == 0.5
    trend = odds.facts["fierce_fighting_trend"]
    assert trend.low == trend.high == pytest.approx(7 / 12, abs=1e-12)
    assert f"{trend.low:.6f}" == "0.583333"


def test_cruelty_is_one_cause_of_the_broken_agreements_among_others(shipped_engine: Engine) -> None:
    """Osborn's "not least because" of the cruelty: two causes, read as a noisy-or, 1 - 0.5 x 0.4 = 0.8."""
    odds = shipped_engine.probabilities({**HEAVY, "cruel_conduct": {"chance": 0.5}, "agreements_observed_broken": {"chance": 0.6}})
    broken = odds.facts["tuareg_agreements_broken"]
    assert broken.low == broken.high == pytest.approx(0.8, abs=1e-12)
    without_cruelty = shipped_engine.forecast({**HEAVY, "cruel_conduct": False})
    assert without_cruelty.facts["tuareg_agreements_broken"] == ("osborn.agreements_violated",)


def test_worked_example_3_force_size_uncertain(shipped_engine: Engine) -> None:
    """P(security_challenge_severe) = 1 - 0.5 x (1 - 0.583333) = 0.791667."""
    severe = shipped_engine.probabilities(EXAMPLE_3).facts["security_challenge_severe"]
    assert severe.low == severe.high == pytest.approx(1 - Fraction(1, 2) * (1 - Fraction(7, 12)), abs=1e-12)
    assert f"{severe.low:.6f}" == "0.791667"


def test_the_articles_baseline_rates_the_right_events(shipped_engine: Engine, repo_root: Path) -> None:
    """Done when: Weiss's P(withdraw) 20-45% under ICD 203, and P(drop_russia) 20-45% on the junta question."""
    scenario = shipped_engine.read_scenario(repo_root / "scenarios" / "article_baseline.yaml")
    _, odds = shipped_engine.forecast_scenario(scenario)
    weiss = stance(odds, "russia_presence", "weiss")
    assert (weiss.bounds["withdraw"].low, weiss.bounds["withdraw"].high) == (0.2, 0.45)
    assert [claim.event for claim in weiss.claims] == [("withdraw",)]
    junta = stance(odds, "junta_protector", "weiss")
    assert [claim.event for claim in junta.claims] == [("drop_russia",)]
    assert (junta.events[("drop_russia",)].low, junta.events[("drop_russia",)].high) == (0.2, 0.45)


def test_unassessed_words_never_become_a_number(shipped_engine: Engine) -> None:
    """Elischer's "could potentially" and "may" leave every outcome 0-100%, never 50%."""
    clash = {**HEAVY, "junta_pays": True}
    elischer = stance(shipped_engine.probabilities(clash), "russia_presence", "elischer")
    assert {claim.words for claim in elischer.claims} == {"could potentially", "may"}
    assert all(not claim.reading.assessed for claim in elischer.claims)
    assert all((figure.low, figure.high) == (0.0, 1.0) for figure in elischer.bounds.values())
    assert elischer.conflict.high == 0, "two possibilities are no probabilistic conflict"


def test_a_word_input_is_a_range_taken_at_its_corners(shipped_engine: Engine) -> None:
    """`cruel_conduct: likely` (55-80%) makes every figure that depends on it a range, exact at the corners."""
    odds = shipped_engine.probabilities({**HEAVY, "deadly_clashes": 2, "cruel_conduct": "likely", "agreements_observed_broken": False})
    broken = odds.facts["tuareg_agreements_broken"]
    assert (broken.low, broken.high) == (pytest.approx(0.55), pytest.approx(0.8))
    assert odds.facts["fierce_fighting_trend"].low == pytest.approx(0.55)
    assert odds.rules["weiss.no_pullout"].low == odds.rules["weiss.no_pullout"].high == 1.0


def test_kent_reads_the_same_words_differently(shipped_engine: Engine) -> None:
    withdraw = stance(shipped_engine.probabilities(HEAVY, lexicon="kent"), "russia_presence", "weiss").bounds["withdraw"]
    assert (withdraw.low, withdraw.high) == (0.2, 0.4)
    with pytest.raises(InputError, match="unknown lexicon 'kents'"):
        shipped_engine.probabilities(HEAVY, lexicon="kents")


def test_sources_are_never_pooled_and_experts_are_equally_weighted_by_default(shipped_engine: Engine) -> None:
    """The two partisan counts of the toll are reported apart: no pool. Two experts' numbers pool half and half."""
    question = shipped_engine.probabilities(HEAVY).question("tinzaouaten_toll")
    assert dict(question.weights) == {} and question.pooled is None
    assert {stance.expert for stance in question.stances} == {"wagner_orchestra", "al_qaeda_offshoot"}
    a = [Claim("a.unlikely", frozenset({"withdraw"}), Fraction(1, 5), Fraction(9, 20))]
    b = [Claim("b.very", frozenset({"withdraw"}), Fraction(1, 20), Fraction(1, 5))]
    verdict = judge(("withdraw", "stay"), {"a": a, "b": b}, {})
    assert verdict.weights == {"a": Fraction(1, 2), "b": Fraction(1, 2)}
    assert verdict.pooled is not None
    assert verdict.pooled["withdraw"] == ((Fraction(1, 5) + Fraction(1, 20)) / 2, (Fraction(9, 20) + Fraction(1, 5)) / 2)


# --- exact against Monte Carlo ---------------------------------------------------------

UNCERTAIN_EVERYWHERE: dict[str, object] = {
    "junta_pays": {"chance": 0.3},
    "mali_resources": {"limited": 0.9, "substantial": 0.1},
    "deadly_clashes": {"between": [0, 5]},
    "cruel_conduct": {"chance": 0.6},
    "agreements_observed_broken": {"chance": 0.6},
    "kremlin_investment": {"high": 0.7, "moderate": 0.2, "low": 0.1},
    "heavy_losses": {"chance": 0.8},
    "wagner_fighters": {1100: 0.5, 2400: 0.5},
    "alienated_west": {"chance": 0.9},
}


def test_monte_carlo_lands_within_four_standard_errors_of_exact(shipped_engine: Engine) -> None:
    exact = shipped_engine.probabilities(UNCERTAIN_EVERYWHERE)
    sampled = shipped_engine.probabilities(UNCERTAIN_EVERYWHERE, samples=20_000, seed=11)
    assert exact.method == "exact" and sampled.method == "monte-carlo" and sampled.samples == 20_000
    checked = 0
    for table, estimates in ((exact.rules, sampled.rules), (exact.facts, sampled.facts)):
        for name, figure in table.items():
            estimate = estimates[name]
            assert estimate.se_low is not None
            assert abs(estimate.low - figure.low) <= 4 * max(estimate.se_low, 1e-12), name
            checked += 1
    for question in exact.questions:
        for found in question.stances:
            other = stance(sampled, question.id, found.expert)
            assert found.bounds is not None and other.bounds is not None
            for outcome, figure in found.bounds.items():
                estimate = other.bounds[outcome]
                assert abs(estimate.low - figure.low) <= 4 * max(estimate.se_low or 0, 1e-12), (question.id, found.expert, outcome)
                assert abs(estimate.high - figure.high) <= 4 * max(estimate.se_high or 0, 1e-12), (question.id, found.expert, outcome)
                checked += 1
    assert checked > 50


def test_the_same_seed_gives_the_same_estimates(shipped_engine: Engine) -> None:
    first = shipped_engine.probabilities(UNCERTAIN_EVERYWHERE, samples=2_000, seed=3)
    assert shipped_engine.probabilities(UNCERTAIN_EVERYWHERE, samples=2_000, seed=3) == first
    assert shipped_engine.probabilities(UNCERTAIN_EVERYWHERE, samples=2_000, seed=4) != first


def test_past_the_limit_the_method_is_monte_carlo(shipped_engine: Engine) -> None:
    odds = shipped_engine.probabilities(UNCERTAIN_EVERYWHERE, limit=10)
    assert odds.method == "monte-carlo" and odds.seed == 0


# --- certain scenarios: exact points ----------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(clashes=st.integers(0, 30), pays=st.booleans(), fighters=st.integers(0, 10_000))
def test_a_certain_scenario_has_exact_points(shipped_engine: Engine, clashes: int, pays: bool, fighters: int) -> None:
    values: dict[str, Value] = {**HEAVY, "deadly_clashes": clashes, "junta_pays": pays, "wagner_fighters": fighters}  # type: ignore[dict-item]
    odds = shipped_engine.probabilities(values)
    fired = {firing.rule_id for firing in shipped_engine.forecast(values).firings}
    for rule, figure in odds.rules.items():
        assert figure.low == figure.high == (1.0 if rule in fired else 0.0)


# --- bad uncertain inputs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "written", "phrase"),
    [
        ("junta_pays", {"chance": 1.5}, "expected a probability from 0 to 1 for 'junta_pays' being true, got 1.5"),
        ("junta_pays", {"chances": 0.5}, "expected {chance: P} for boolean 'junta_pays'"),
        ("kremlin_investment", {"high": 0.7, "moderate": 0.2}, "the probabilities for 'kremlin_investment' sum to 0.9, not 1"),
        ("kremlin_investment", {"high": 0.70000001, "low": 0.3}, "sum to 1.00000001, not 1"),
        ("kremlin_investment", {"hihg": 0.7, "low": 0.3}, "'hihg' is not a level of 'kremlin_investment'"),
        ("wagner_fighters", {1100: 0.5, 20000: 0.5}, "20000 is out of range for 'wagner_fighters'"),
        ("deadly_clashes", {"between": [5, 0]}, "'between' goes from 5 up to 0"),
        ("cruel_conduct", "may", "'may' gives no likelihood for 'cruel_conduct'"),
        ("cruel_conduct", "likley", "did you mean 'likely'?"),
    ],
    ids=[
        "chance-over-1",
        "no-chance-key",
        "sum-not-1",
        "sum-just-over-1",
        "unknown-level",
        "value-out-of-range",
        "between-backwards",
        "unassessed-word",
        "misspelt-word",
    ],
)
def test_bad_uncertain_inputs_name_the_variable(shipped_engine: Engine, name: str, written: object, phrase: str) -> None:
    with pytest.raises(InputError) as raised:
        shipped_engine.probabilities({**HEAVY, name: written})
    assert str(raised.value).startswith(name) and phrase in str(raised.value)


def test_a_table_within_a_billionth_of_one_is_scaled_to_one(shipped_engine: Engine) -> None:
    odds = shipped_engine.probabilities({**HEAVY, "kremlin_investment": {"high": 0.7, "moderate": 0.2, "low": 0.0999999999}})
    assert math.isclose(odds.rules["weiss.no_pullout"].low, 0.7 / 0.9999999999, rel_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_between_range_is_counted_class_by_class_as_if_spelt_out(shipped_engine: Engine, data: st.DataObject) -> None:
    """`{between: [A, B]}` weighs each class by how many of its whole numbers fall in A..B, exactly as listing them would."""
    from collections import Counter

    from engine.space import ScenarioSpace

    space = ScenarioSpace.of(shipped_engine.rule_base)
    name = data.draw(st.sampled_from(["deadly_clashes", "wagner_fighters"]))
    kind = shipped_engine.vocabulary.kinds[name]
    low = data.draw(st.integers(int(kind.minimum), int(kind.maximum)))  # type: ignore[attr-defined]
    high = data.draw(st.integers(low, min(int(kind.maximum), low + 3000)))  # type: ignore[attr-defined]
    assert space.class_counts(name, low, high) == dict(Counter(space.class_of(name, value) for value in range(low, high + 1)))


def test_a_wide_between_range_costs_what_a_narrow_one_does(shipped_engine: Engine) -> None:
    """A range of every value is never spelt out: its figures are the share of whole numbers on each side of the rule's threshold."""
    odds = shipped_engine.probabilities(
        {**HEAVY, "wagner_fighters": {"between": [0, 10000]}}  # siegle.force_too_small: at most 1200
    )
    assert odds.rules["siegle.force_too_small"].low == pytest.approx(1201 / 10001, abs=1e-12)
    assert odds.method == "exact"


def test_weights_are_named_once() -> None:
    from engine.render.odds import weights_text

    assert weights_text({"weiss": 0.5, "elischer": 0.5}) == "equal weights: weiss, elischer"
    assert weights_text({"weiss": 0.75, "elischer": 0.25}) == "weiss 0.75, elischer 0.25"


# --- claims that rest on an analyst's assumption ----------------------------------------


@pytest.mark.slow
def test_which_firings_rest_on_an_assumption_is_what_every_trace_says(shipped_engine: Engine) -> None:
    """Class by class, a stance rests on an assumption exactly when one of its rules' firings is marked so (`Fired.assumed`)."""
    from engine.model import ExpertKind
    from engine.resolve.figures import Fired
    from engine.space import ScenarioSpace

    rule_base, program = shipped_engine.rule_base, shipped_engine.program
    analysts = frozenset(rule.id for rule in rule_base.rules if rule_base.experts[rule.expert].kind is ExpertKind.ANALYST)
    space = ScenarioSpace.of(rule_base)
    marked = unmarked = 0
    for point in space.points():
        values = space.values(point)
        fired = Fired(shipped_engine.matcher.run(values), analysts, program.rule_facts)
        assert fired <= frozenset(rule.id for rule in rule_base.rules) and fired.assumed <= fired
        for question in shipped_engine.forecast(values).questions:
            for stance in question.stances:
                rests = any(rule in fired.assumed for rule in stance.rules)
                assert stance.rests_on_assumption == rests, (values, stance.expert, question.id)
                marked += rests
                unmarked += not rests
    assert marked > 0 and unmarked > 0


def test_an_uncertain_forecast_says_how_likely_each_claim_rests_on_an_assumption(shipped_engine: Engine) -> None:
    scenario = shipped_engine.read_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "analyst_view.yaml")
    _, odds = shipped_engine.forecast_scenario(scenario)
    claims = {claim.rule: claim for question in odds.questions for stance in question.stances for claim in stance.claims}
    trend = claims["elischer.curtail_if_trend"]  # fires only on the analyst's reading of the clashes as a trend
    assert trend.assumed == trend.fires and trend.fires.high > 0
    assert claims["weiss.no_pullout"].assumed is not None and claims["weiss.no_pullout"].assumed.high == 0
    for claim in claims.values():
        assert claim.assumed is not None and claim.assumed.low <= claim.fires.low + 1e-12 and claim.assumed.high <= claim.fires.high + 1e-12
    _, certain = shipped_engine.forecast_scenario(
        shipped_engine.read_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "heavy_fighting.yaml")
    )
    assert all(claim.assumed is None for question in certain.questions for stance in question.stances for claim in stance.claims)

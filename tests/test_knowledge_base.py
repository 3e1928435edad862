"""The shipped knowledge base is tested like code.

Every quote is found verbatim in its seed, every claim in the domain brief is
encoded, chains across experts really chain, the analyst's links show as
assumptions, and every scenario meets the stances it expects.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from engine import records
from engine.language import FactClaim, StanceClaim
from engine.load.rulebase import load_rule_base
from engine.load.validate import problems
from engine.model import ExpertKind, RuleBase
from engine.pipeline import Engine
from engine.quotes import FoldedText, fold
from engine.resolve.expectations import unmet_expectations

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def rule_base() -> RuleBase:
    return load_rule_base(ROOT / "rules")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.open(ROOT / "rules")


def test_rule_base_has_no_problems(rule_base: RuleBase) -> None:
    assert [str(problem) for problem in problems(rule_base)] == []


def test_every_quote_and_context_is_verbatim_in_its_seed(rule_base: RuleBase) -> None:
    """Checked here directly, not only through `validate`, so the proof is visible."""
    checked = 0
    for rule in rule_base.rules:
        if rule.source is None:
            assert rule.expert == "analyst", f"{rule.id} has no source"
            continue
        seed = rule_base.seeds[rule.source.seed]
        for text in (rule.source.quote, *rule.source.context):
            span = FoldedText(seed.text).find(text)
            assert span is not None, f"{rule.id}: not in seed: {text!r}"
            assert fold(seed.text[span.start : span.end]) == fold(text)
            checked += 1
        if rule.hedge:
            assert fold(rule.hedge) in fold(rule.source.quote) or any(fold(rule.hedge) in fold(text) for text in rule.source.context)
    assert checked >= 25


def test_a_changed_word_is_not_forgiven(rule_base: RuleBase) -> None:
    """Folding forgives white space and quote marks, nothing else."""
    seed = FoldedText(next(iter(rule_base.seeds.values())).text)
    assert seed.find("Russia could   potentially increase Wagner's presence") is not None
    assert seed.find("Russia could possibly increase Wagner's presence") is None
    assert seed.find("russia could potentially increase") is None


def test_a_misquoted_rule_is_reported(rule_base: RuleBase) -> None:
    rule = rule_base.rule("elischer.more_if_paid")
    assert rule.source is not None
    altered = records.replace(rule, source=records.replace(rule.source, quote=rule.source.quote.replace("could", "would"), quote_span=None))
    broken = records.replace(rule_base, rules=tuple(altered if item.id == rule.id else item for item in rule_base.rules))
    found = [str(problem) for problem in problems(broken)]
    assert len(found) == 2
    assert "elischer.yaml" in found[0] and "rules[0].source.quote" in found[0] and "not found verbatim" in found[0]
    assert "rules[0].hedge" in found[1] and "'could potentially' is not in the rule's quote" in found[1]


def test_seed_matches_its_recorded_hash(rule_base: RuleBase) -> None:
    seed = rule_base.seeds["rferl-2024-08-wagner-mali-tinzaouaten"]
    assert hashlib.sha256(seed.text.encode("utf-8")).hexdigest() == seed.meta.sha256


# Each claim of the domain brief's checklist: the rule that encodes it, and words of the claim its quote must hold.
DOMAIN_CLAIMS = [
    ("1 pay -> increase", "elischer.more_if_paid", "if the junta agrees to pay"),
    ("2 limited resources", "elischer.resources_limited", "limited natural resources"),
    ("3 trend -> curtail", "elischer.curtail_if_trend", "may decide to curtail involvement"),
    ("4 no pull-out, investment", "weiss.no_pullout", "unlikely to cause Russia to pull its Wagner forces out"),
    ("5 fewer assaults", "weiss.fewer_assaults", "may not be as adamant to spearhead assaults"),
    ("6 juntas keep Russia", "weiss.junta_keeps_russia", "unlikely to drop Russia as a protector"),
    ("7 myths punctured", "siegle.myths_punctured", "punctures the myths"),
    ("7 reputation dent", "siegle.reputation_dent", "a huge dent"),
    ("8 force too small", "siegle.force_too_small", "insufficient to address the threats"),
    ("9 strategy unsustainable", "siegle.strategy_unsustainable", "unsustainability of the Russian strategy"),
    ("10 China stays out", "elischer.china_stays_out", "getting involved in Mali"),
    ("11 propaganda crumbles", "elischer.propaganda_crumbles", "the crumbling of Russian and junta propaganda"),
    ("12 operations failing", "osborn.operations_failing", "seems to be a failure"),
    ("13 agreements broken", "osborn.agreements_violated", "all agreements have been violated"),
    ("partisan count: Wagner Orchestra", "wagner_orchestra.several_dozen_killed", "several dozen mercenaries were killed"),
    ("partisan count: al-Qaeda offshoot", "al_qaeda_offshoot.fifty_killed", "50 mercenaries were killed"),
    ("Mozambique precedent", "analyst.mozambique_precedent", "like it did in Mozambique"),
]


@pytest.mark.parametrize(("claim", "rule_id", "words"), DOMAIN_CLAIMS, ids=[claim for claim, _, _ in DOMAIN_CLAIMS])
def test_every_domain_claim_is_encoded(rule_base: RuleBase, claim: str, rule_id: str, words: str) -> None:
    """The claim's rule exists, belongs to its speaker and quotes the claim's own words."""
    rule = rule_base.rule(rule_id)
    assert rule.expert == rule_id.split(".")[0]
    assert rule.source is not None and fold(words) in fold(rule.source.quote), f"{rule_id} does not quote {words!r}"


def test_every_expert_question_and_fact_is_used(rule_base: RuleBase) -> None:
    experts = {rule.expert for rule in rule_base.rules}
    assert experts == set(rule_base.experts)
    asked = {rule.then.question for rule in rule_base.rules if isinstance(rule.then, StanceClaim)}
    assert asked == set(rule_base.vocabulary.questions)
    derived = {rule.then.fact for rule in rule_base.rules if isinstance(rule.then, FactClaim)}
    assert derived == set(rule_base.vocabulary.facts)


def test_analyst_rules_state_assumptions_and_experts_do_not(rule_base: RuleBase) -> None:
    for rule in rule_base.rules:
        analyst = rule_base.experts[rule.expert].kind is ExpertKind.ANALYST
        assert bool(rule.assumption) == analyst, rule.id


@pytest.mark.parametrize("path", SCENARIOS, ids=[path.stem for path in SCENARIOS])
def test_scenario_meets_its_expectations(engine: Engine, path: Path) -> None:
    scenario = engine.read_scenario(path)
    forecast, odds = engine.forecast_scenario(scenario)
    assert scenario.expect, f"{path.name} declares no expectations"
    assert [str(item) for item in unmet_expectations(scenario, forecast, odds)] == []


def test_required_scenarios_exist() -> None:
    names = {path.stem for path in SCENARIOS}
    assert {"article_baseline", "heavy_fighting", "junta_pays", "pays_and_fighting", "mozambique_like", "quiet_north"} <= names


def _trace_rules(engine: Engine, scenario: str, question: str, expert: str) -> list[str]:
    _, forecast = engine.forecast_file(ROOT / "scenarios" / f"{scenario}.yaml")
    stance = next(stance for stance in forecast.question(question).stances if stance.expert == expert)
    return [step.rule for step in stance.trace]


def test_osborn_broken_agreements_feed_elischer_curtail_through_an_assumption(engine: Engine) -> None:
    _, forecast = engine.forecast_file(ROOT / "scenarios" / "heavy_fighting.yaml")
    stance = next(stance for stance in forecast.question("russia_presence").stances if stance.expert == "elischer")
    steps = [(step.rule, tuple(condition.text for condition in step.conditions)) for step in stance.trace]
    osborn = steps.index(("osborn.agreements_violated", ("cruel_conduct is true",)))
    bridge = steps.index(("analyst.trend_from_clashes", ("fact tuareg_agreements_broken", "deadly_clashes is at least 2")))
    curtail = steps.index(("elischer.curtail_if_trend", ("fact fierce_fighting_trend",)))
    assert osborn < bridge < curtail
    assert stance.trace[bridge].is_assumption and not stance.trace[osborn].is_assumption


def test_siegle_insufficient_force_feeds_elischer_propaganda_through_an_assumption(engine: Engine) -> None:
    steps = _trace_rules(engine, "article_baseline", "security_narrative", "elischer")
    assert steps == ["siegle.force_too_small", "analyst.severe_security", "elischer.propaganda_crumbles"]
    _, forecast = engine.forecast_file(ROOT / "scenarios" / "article_baseline.yaml")
    stance = next(stance for stance in forecast.question("security_narrative").stances if stance.expert == "elischer")
    assert [step.is_assumption for step in stance.trace] == [False, True, False]
    assert stance.rests_on_assumption


def test_curtail_and_not_withdraw_are_compatible_not_conflicting(engine: Engine) -> None:
    _, forecast = engine.forecast_file(ROOT / "scenarios" / "heavy_fighting.yaml")
    result = forecast.question("russia_presence")
    assert result.status == "compatible" and not result.verdict.conflicting
    assert result.verdict.views["weiss"].favours == ("curtail", "maintain", "increase")
    assert result.verdict.possible == (("elischer", ("curtail",)),)
    literal = engine.forecast(forecast.values, lexicon="literal").question("russia_presence")
    assert literal.verdict.together is not None  # taken at their word, together they leave curtail alone
    assert [outcome for outcome, (_, high) in literal.verdict.together.items() if high > 0] == ["curtail"]


def test_elischer_clash_points_both_ways_and_is_a_conflict_only_taken_at_his_word(engine: Engine) -> None:
    _, forecast = engine.forecast_file(ROOT / "scenarios" / "pays_and_fighting.yaml")
    result = forecast.question("russia_presence")
    elischer = next(stance for stance in result.stances if stance.expert == "elischer")
    assert elischer.status == "stated" and result.verdict.views["elischer"].both_ways
    assert elischer.rules == ("elischer.curtail_if_trend", "elischer.more_if_paid")
    assert result.status == "compatible"
    literal = engine.forecast(forecast.values, lexicon="literal").question("russia_presence")
    assert literal.status == "conflict" and literal.verdict.conflicting == ("elischer",)
    assert literal.verdict.views["elischer"].clashing == ("elischer.curtail_if_trend", "elischer.more_if_paid")


UNCERTAIN = [path for path in SCENARIOS if path.stem in ("analyst_view", "fighting_spreads")]


@pytest.mark.parametrize("path", UNCERTAIN, ids=[path.stem for path in UNCERTAIN])
def test_pinned_figures_are_met_by_monte_carlo_within_its_standard_errors(engine: Engine, path: Path) -> None:
    """Figures pinned exactly hold for an estimate within 4 of its standard errors; a value far off is still reported."""
    from engine.resolve import expectations

    scenario = engine.read_scenario(path)
    assert not scenario.certain
    for seed in (7, 8):
        _, odds = engine.forecast_scenario(scenario, samples=20_000, seed=seed)
        assert odds.method == "monte-carlo"
        assert [str(item) for item in unmet_expectations(scenario, None, odds)] == []
    question_id, expected = next((question, item) for question, item in scenario.expect.items() if item.pooled or item.bounds)
    off = {outcome: (low + 0.05, high) for outcome, (low, high) in (expected.pooled or next(iter(expected.bounds.values()))).items()}
    shifted = records.replace(scenario, expect={question_id: records.replace(expected, pooled=off, bounds=None)})
    _, odds = engine.forecast_scenario(shifted, samples=20_000, seed=7)
    missed = unmet_expectations(shifted, None, odds)
    assert missed and all(item.field.startswith("pooled.") for item in missed)
    assert expectations.STANDARD_ERRORS * max(figure.se_low or 0 for figure in odds.question(question_id).pooled.values()) < 0.05

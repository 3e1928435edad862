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
    ("13 cruelty, one cause", "osborn.cruelty_breaks_agreements", "not least because of how cruelly"),
    ("Tinzaouaten the largest loss", "weiss.largest_loss", "likely the largest suffered by Russian forces"),
    ("as many as France lost", "weiss.could_match_france", "could match the number of French troops killed"),
    ("partisan count: Wagner Orchestra", "wagner_orchestra.several_dozen_killed", "several dozen mercenaries were killed"),
    ("partisan count: Tuareg separatists", "tuareg_separatists.dozens_casualties", '"dozens" of what they referred to'),
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
    osborn = steps.index(("osborn.agreements_violated", ("agreements_observed_broken is true",)))
    cruelty = steps.index(("osborn.cruelty_breaks_agreements", ("cruel_conduct is true",)))
    bridge = steps.index(("analyst.trend_from_clashes", ("fact tuareg_agreements_broken", "deadly_clashes is at least 2")))
    curtail = steps.index(("elischer.curtail_if_trend", ("fact fierce_fighting_trend",)))
    assert max(osborn, cruelty) < bridge < curtail
    assert stance.trace[bridge].is_assumption and not stance.trace[osborn].is_assumption


def test_siegle_insufficient_force_feeds_elischer_propaganda_through_an_assumption(engine: Engine) -> None:
    steps = _trace_rules(engine, "article_baseline", "junta_propaganda", "elischer")
    assert steps == ["siegle.force_too_small", "analyst.severe_security", "elischer.propaganda_crumbles"]
    _, forecast = engine.forecast_file(ROOT / "scenarios" / "article_baseline.yaml")
    stance = next(stance for stance in forecast.question("junta_propaganda").stances if stance.expert == "elischer")
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


# --- fidelity: each claim says what the article says, and no more ------------------------------


def test_limited_resources_are_not_an_inability_to_pay(rule_base: RuleBase) -> None:
    """Elischer's "limited natural resources to fund the troops" rates the resources; whether the junta pays is an input."""
    rule = rule_base.rule("elischer.resources_limited")
    assert isinstance(rule.then, StanceClaim) and (rule.then.question, rule.then.values) == ("resource_funding", ("limited",))
    assert "junta_pays" in rule_base.vocabulary.variables and "junta_pays" not in rule_base.vocabulary.questions
    assert rule.note is not None and "does not say" in rule.note


def test_the_punctured_myth_and_the_crumbling_propaganda_are_two_questions(rule_base: RuleBase) -> None:
    """Siegle judges now, on the losses; Elischer forecasts "over time"; state media keep the failures hidden locally meanwhile."""
    myth, propaganda = rule_base.rule("siegle.myths_punctured"), rule_base.rule("elischer.propaganda_crumbles")
    assert isinstance(myth.then, StanceClaim) and isinstance(propaganda.then, StanceClaim)
    assert (myth.then.question, propaganda.then.question) == ("security_myth", "junta_propaganda")
    questions = rule_base.vocabulary.questions
    assert "state control of the media" in questions["junta_propaganda"].text
    assert "state control of the media" in questions["security_myth"].text
    assert questions["junta_propaganda"].text.startswith("Over time")


def test_cruelty_is_one_cause_of_the_broken_agreements(engine: Engine) -> None:
    """Osborn's "not least because": without the cruelty, agreements seen broken are broken all the same."""
    baseline = dict(engine.read_scenario(ROOT / "scenarios" / "article_baseline.yaml").values)
    derived = [
        rule.id for rule in engine.rule_base.rules if isinstance(rule.then, FactClaim) and rule.then.fact == "tuareg_agreements_broken"
    ]
    assert derived == ["osborn.agreements_violated", "osborn.cruelty_breaks_agreements"]
    for cruel, seen, broken in ((True, False, True), (False, True, True), (False, False, False)):
        forecast = engine.forecast({**baseline, "cruel_conduct": cruel, "agreements_observed_broken": seen})
        assert ("tuareg_agreements_broken" in forecast.facts) is broken, (cruel, seen)


def test_partisan_sources_are_unconfirmed_in_the_articles_words(rule_base: RuleBase) -> None:
    sources = {name: expert for name, expert in rule_base.experts.items() if expert.kind is ExpertKind.SOURCE}
    assert set(sources) == {"wagner_orchestra", "tuareg_separatists", "al_qaeda_offshoot"}
    text = rule_base.seeds["rferl-2024-08-wagner-mali-tinzaouaten"].text
    for name, source in sources.items():
        assert not source.confirmed and source.confirmation is not None and source.note, name
        span = source.confirmation.quote_span
        assert span is not None and text[span.start : span.end] == "RFE/RL could not confirm the authenticity of the footage"
        assert all(found is not None for found in source.confirmation.context_spans), name
    assert all(expert.confirmed for expert in rule_base.experts.values() if expert.kind is not ExpertKind.SOURCE)


def test_the_tuareg_count_is_of_enemy_killed_and_wounded_not_of_wagner_dead(rule_base: RuleBase) -> None:
    rule = rule_base.rule("tuareg_separatists.dozens_casualties")
    assert isinstance(rule.then, StanceClaim) and rule.then.question == "ambush_casualties"
    assert "killed and wounded" in rule_base.vocabulary.questions["ambush_casualties"].text


def test_weiss_rates_the_loss_with_his_own_words(rule_base: RuleBase) -> None:
    largest, france = rule_base.rule("weiss.largest_loss"), rule_base.rule("weiss.could_match_france")
    assert (largest.hedge, rule_base.rated_event(largest)) == ("likely", ("largest",))
    assert (france.hedge, rule_base.rated_event(france)) == ("could", ("as_many",))
    assert not rule_base.lexicon().reading("could").assessed, "a possibility, no number"


# Whose words each shipped quote is: inside a pair of quotation marks in the seed (direct), or the reporter's.
SPEECH = {
    "elischer.more_if_paid": "reported",
    "elischer.resources_limited": "reported",
    "elischer.curtail_if_trend": "reported",
    "elischer.china_stays_out": "reported",  # "he doesn't see ...", only "they normally don't do this." is quoted
    "elischer.propaganda_crumbles": "direct",
    "weiss.no_pullout": "reported",
    "weiss.fewer_assaults": "direct",
    "weiss.junta_keeps_russia": "reported",
    "weiss.largest_loss": "reported",
    "weiss.could_match_france": "reported",
    "siegle.myths_punctured": "direct",
    "siegle.reputation_dent": "reported",  # only "a huge dent" is quoted
    "siegle.force_too_small": "reported",
    "siegle.strategy_unsustainable": "direct",
    "osborn.agreements_violated": "direct",
    "osborn.cruelty_breaks_agreements": "direct",
    "osborn.operations_failing": "reported",
    "wagner_orchestra.several_dozen_killed": "reported",
    "tuareg_separatists.dozens_casualties": "reported",  # only "dozens" is quoted
    "al_qaeda_offshoot.fifty_killed": "reported",
    "analyst.mozambique_precedent": "reported",
}


def test_each_shipped_quote_is_direct_or_reported_speech_as_the_seed_marks_it(rule_base: RuleBase) -> None:
    found = {rule.id: rule.source.speech for rule in rule_base.rules if rule.source is not None}
    assert found == SPEECH
    elischer = rule_base.rule("elischer.more_if_paid").source
    assert elischer is not None and elischer.context_speech == ("direct", "direct")

"""The consistency check: what it finds, the scenarios it hands back, and that it is deterministic.

Fixtures: the shipped rule base (rules/), tests/fixtures/picnic (exactly a
dead rule, an undeclared self-conflict and a broken invariant) and
tests/fixtures/orchard (shadowed rules, an accepted one, an unused
acceptance, a disagreement, a continuous number).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import hypothesis
import pytest
from builders import invariant

from engine.consistency import (
    ConsistencyReport,
    Finding,
    Point,
    ScenarioSpace,
    invariant_breach,
    run_consistency,
    write_counterexamples,
)
from engine.errors import EngineFailure
from engine.language import Value
from engine.matching.compile import Program
from engine.matching.durable import DurableMatcher
from engine.matching.matcher import Firing, Matcher
from engine.model import Accepted
from engine.pipeline import Engine
from engine.quotes import FoldedText
from engine.records import replace

FIXTURES = Path(__file__).resolve().parent / "fixtures"

SHIPPED_DEFAULTS: dict[str, Value] = {
    "junta_pays": False,
    "mali_resources": "limited",
    "deadly_clashes": 0,
    "cruel_conduct": False,
    "agreements_observed_broken": False,
    "kremlin_investment": "low",
    "heavy_losses": False,
    "wagner_fighters": 0,
    "alienated_west": False,
}


def with_checks(engine: Engine, **update: object) -> Engine:
    """The same compiled engine, with checks.yaml's invariants or acceptances replaced."""
    rule_base = replace(engine.rule_base, checks=replace(engine.rule_base.checks, **update))
    return Engine(rule_base, engine.program, engine.matcher)


def find(report: ConsistencyReport, kind: str, subject: str) -> Finding:
    matches = [finding for finding in report.findings if (finding.kind, finding.subject) == (kind, subject)]
    assert len(matches) == 1, f"expected one {kind} {subject!r}, got {[f.title for f in report.findings]}"
    return matches[0]


def titles(report: ConsistencyReport) -> dict[str, str]:
    return {finding.title: finding.status for finding in report.findings}


@pytest.fixture(scope="module")
def shipped(shipped_engine: Engine) -> Engine:
    """The session's shared Engine (tests/conftest.py)."""
    return shipped_engine


@pytest.fixture(scope="module")
def shipped_report(shipped: Engine) -> ConsistencyReport:
    return run_consistency(shipped)


@pytest.fixture(scope="module")
def unaccepted(shipped: Engine) -> Engine:
    """The shipped rule base without its `accepted` declarations: the clash must be found from scratch."""
    return with_checks(shipped, accepted=())


@pytest.fixture(scope="module")
def unaccepted_report(unaccepted: Engine) -> ConsistencyReport:
    return run_consistency(unaccepted)


@pytest.fixture(scope="module")
def picnic() -> Engine:
    return Engine.open(FIXTURES / "picnic" / "rules")


@pytest.fixture(scope="module")
def orchard() -> Engine:
    return Engine.open(FIXTURES / "orchard" / "rules")


# --- the scenario space -------------------------------------------------------------


def test_shipped_space_has_one_class_per_distinguishable_case(shipped: Engine) -> None:
    space = ScenarioSpace.of(shipped.rule_base)
    assert space.classes["deadly_clashes"] == (0, 2, 3)  # at_least 2, at_least 3
    assert space.classes["wagner_fighters"] == (0, 1201)  # at_most 1200
    assert space.classes["kremlin_investment"] == ("low", "moderate", "high")
    assert space.size == 1152
    assert space.raw_size == 2 * 2 * 31 * 2 * 2 * 3 * 2 * 10_001 * 2
    assert space.values(space.points()[0]) == SHIPPED_DEFAULTS


def test_classes_are_exact_for_every_value_of_a_number(shipped: Engine) -> None:
    """Every value of deadly_clashes fires the same rules as its class's representative."""
    representatives = ScenarioSpace.of(shipped.rule_base).classes["deadly_clashes"]
    for clashes in range(31):
        representative = max(value for value in representatives if isinstance(value, int) and value <= clashes)
        for cruel in (False, True):
            values = {**SHIPPED_DEFAULTS, "cruel_conduct": cruel}
            actual = shipped.forecast({**values, "deadly_clashes": clashes})
            expected = shipped.forecast({**values, "deadly_clashes": representative})
            assert actual.firings == expected.firings, (clashes, cruel)


def test_continuous_numbers_get_a_point_inside_each_interval(orchard: Engine) -> None:
    space = ScenarioSpace.of(orchard.rule_base)
    assert space.classes["temperature"] == (-10, 0.5, 31)  # below 0.5, above 30
    assert space.raw_size is None
    narrow = invariant(
        {
            "name": "narrow",
            "reason": "thresholds with no whole number between them",
            "when": {"all": [{"var": "temperature", "above": 0.2}, {"var": "temperature", "below": 0.45}]},
            "require": {"question": "apple_price", "is_not": "falls"},
        }
    )
    rule_base = replace(orchard.rule_base, checks=replace(orchard.rule_base.checks, invariants=(narrow,)))
    # 0.2 passes and fails the same tests as -10 (above 0.2 is false there), so it is no class of its own;
    # nothing whole lies strictly between 0.2 and 0.45, so that interval gets its midpoint.
    assert ScenarioSpace.of(rule_base).classes["temperature"] == (-10, 0.325, 0.45, 0.5, 31)


def test_hypothesis_can_draw_every_class(orchard: Engine) -> None:
    space = ScenarioSpace.of(orchard.rule_base)
    for point in space.points():

        def is_it(drawn: Point, point: Point = point) -> bool:
            return drawn == point

        assert hypothesis.find(space.strategy(), is_it, settings=hypothesis.settings(database=None)) == point


def test_a_sampled_search_writes_no_files(tmp_path: Path) -> None:
    script = (
        "from pathlib import Path\n"
        "from engine.consistency import run_consistency\n"
        "from engine.pipeline import Engine\n"
        f"report = run_consistency(Engine.open(Path({str(FIXTURES / 'picnic' / 'rules')!r})), limit=5, max_examples=30)\n"
        "assert report.method == 'hypothesis'\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True)
    assert list(tmp_path.iterdir()) == []


# --- the shipped rule base ----------------------------------------------------------


def test_elischer_clash_is_found_from_scratch_with_its_smallest_scenario(
    unaccepted_report: ConsistencyReport, unaccepted: Engine, tmp_path: Path
) -> None:
    """Taken at his word (literal), "could potentially increase" and "may curtail" allow no outcome together: the old set clash."""
    clash = find(unaccepted_report, "self-conflict", "elischer on russia_presence (literal)")
    assert clash.status == "failing" and clash.lexicon == "literal"
    assert unaccepted_report.failed
    assert clash.rules == ("elischer.curtail_if_trend", "elischer.more_if_paid")
    assert clash.scenario == {**SHIPPED_DEFAULTS, "junta_pays": True, "deadly_clashes": 3}
    # junta pays, and a trend: 7 of the 12 cells of clashes by cruelty by agreements seen broken (clashes at 3 or more: 4;
    # at 2, with the agreements broken by either cause: 3), times 48 cells of the other variables
    assert clash.scenarios == 336
    assert "elischer.curtail_if_trend says russia_presence is curtail; elischer.more_if_paid says russia_presence is increase" in (
        clash.message
    )
    # Read as likelihoods, neither shipped lexicon finds a self-conflict: the same firings only point both ways.
    assert [finding.subject for finding in unaccepted_report.findings if finding.kind == "self-conflict"] == [clash.subject]

    written = write_counterexamples(unaccepted_report, tmp_path, unaccepted.rule_base.vocabulary)
    [path] = [path for path in written if "self-conflict" in path.name]
    assert path.name == "01-self-conflict-elischer-on-russia-presence-literal.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Counterexample from the consistency check")
    assert "# Run it: forecast <this file> --lexicon literal\n" in text
    scenario = unaccepted.read_scenario(path)
    presence = unaccepted.forecast(scenario.values, lexicon="literal").question("russia_presence")
    assert presence.status == "conflict" and presence.verdict.conflicting == ("elischer",)
    assert [(stance.expert, stance.status) for stance in presence.stances] == [("elischer", "self-conflict")]
    assert scenario.name == "self-conflict: elischer on russia_presence (literal)"
    # Read with the default lexicon, the same scenario is one voice that points both ways.
    default = unaccepted.forecast(scenario.values).question("russia_presence")
    assert default.status == "one voice" and default.verdict.views["elischer"].both_ways


def test_with_the_declaration_the_clash_is_known(shipped_report: ConsistencyReport) -> None:
    clash = find(shipped_report, "self-conflict", "elischer on russia_presence (literal)")
    assert clash.status == "accepted"
    assert clash.accepted is not None and clash.accepted.name == "elischer_pay_or_curtail"
    assert clash.accepted.lexicon == "literal"
    assert clash not in shipped_report.by_status("failing")
    assert "known self-conflict: elischer on russia_presence (literal)" in shipped_report.render_text()
    assert not [finding for finding in shipped_report.findings if finding.kind == "unused-acceptance"]


def test_shipped_rule_base_passes(shipped_report: ConsistencyReport) -> None:
    assert [finding.title for finding in shipped_report.by_status("failing")] == []
    assert not shipped_report.failed


def test_shipped_points_both_ways_is_an_observation(shipped_report: ConsistencyReport) -> None:
    """Elischer's two possibilities are reported under each lexicon that reads them as possibilities: information, not a failure."""
    for lexicon in ("icd203", "kent"):
        both = find(shipped_report, "points-both-ways", f"elischer on russia_presence ({lexicon})")
        assert both.status == "informational" and both.lexicon == lexicon
        assert both.scenario == {**SHIPPED_DEFAULTS, "junta_pays": True, "deadly_clashes": 3}
        assert both.scenarios == 336  # the same cells as the literal clash: junta pays, and a trend
        assert both.rules == ("elischer.curtail_if_trend", "elischer.more_if_paid")
        assert 'elischer.curtail_if_trend raises curtail as possible ("may")' in both.message
        assert "An observation, not a conflict" in both.message


def test_the_analyst_parting_ways_with_an_expert_is_no_disagreement(shipped: Engine, shipped_report: ConsistencyReport) -> None:
    """Only experts are counted (VERDICTS.md section 3): the analyst's Mozambique precedent is judged apart, even taken at its word."""
    assert not [finding for finding in shipped_report.findings if finding.kind == "disagreement"]
    values = {**SHIPPED_DEFAULTS, "junta_pays": True, "heavy_losses": True}
    for lexicon in ("icd203", "literal"):
        verdict = shipped.forecast(values, lexicon=lexicon).question("russia_presence").verdict
        assert "analyst" in verdict.others and "analyst" not in verdict.experts
        assert verdict.status != "conflict" and verdict.conflicting == ()


def test_hypothesis_search_finds_the_clash_and_shrinks_it(unaccepted: Engine) -> None:
    report = run_consistency(unaccepted, limit=100, max_examples=150)
    assert report.method == "hypothesis"
    assert report.space_classes == 1152 and report.scenarios_tried < 1152
    clash = find(report, "self-conflict", "elischer on russia_presence (literal)")
    assert clash.scenario is not None
    off_default = [name for name, value in clash.scenario.items() if value != SHIPPED_DEFAULTS[name]]
    assert "junta_pays" in off_default and len(off_default) <= 3

    def conflicted(values: Mapping[str, Value]) -> bool:
        stances = unaccepted.forecast(values, lexicon="literal").question("russia_presence").stances
        return any(stance.expert == "elischer" and stance.status == "self-conflict" for stance in stances)

    assert conflicted(clash.scenario)
    for name in off_default:  # shrunk: no variable can go back to its default
        assert not conflicted({**clash.scenario, name: SHIPPED_DEFAULTS[name]}), name
    assert "hypothesis" in report.render_text()
    assert report.to_json()["exact"] is False


# --- fixture rule bases ---------------------------------------------------------------


def test_picnic_flaws_are_exactly_the_three_seeded(picnic: Engine) -> None:
    report = run_consistency(picnic)
    assert report.method == "exhaustive"
    assert (report.space_classes, report.space_raw, report.scenarios_tried) == (10, 606, 10)
    assert titles(report) == {
        "invariant: no_go_in_gale": "failing",
        "self-conflict: ada on picnic (literal)": "failing",
        "self-conflict: ada on picnic (plain)": "failing",
        "dead-rule: ada.breeze_waits": "failing",
    }
    # "go" and "cancel", each stated as fact (80-99%), fit no distribution; taken at their word, no outcome.
    for lexicon in ("literal", "plain"):
        clash = find(report, "self-conflict", f"ada on picnic ({lexicon})")
        assert clash.scenario == {"rain": True, "wind": 0, "season": "winter"}
        assert clash.rules == ("ada.calm_go", "ada.rain_cancels")
    assert "ada.calm_go puts P(go) 80-99% stated as fact" in find(report, "self-conflict", "ada on picnic (plain)").message
    breach = find(report, "invariant", "no_go_in_gale")
    assert breach.scenario == {"rain": False, "wind": 80, "season": "winter"}
    assert breach.rules == ("ada.gale_kites",)
    # "not cancel" stated as fact (P(postpone or go) 80-99%) leaves P(not go) as low as 1 - 99%.
    assert "ada's claims put P(not go) as low as 1%, not above one half (ada.gale_kites)" in breach.message
    dead = find(report, "dead-rule", "ada.breeze_waits")
    assert dead.scenario is None
    assert "fact calm and wind is at least 30" in dead.message


def test_picnic_by_hypothesis_finds_the_same_and_says_dead_rules_are_evidence(picnic: Engine) -> None:
    report = run_consistency(picnic, limit=5, max_examples=50)
    assert report.method == "hypothesis"
    assert set(titles(report)) == {
        "invariant: no_go_in_gale",
        "self-conflict: ada on picnic (literal)",
        "self-conflict: ada on picnic (plain)",
        "dead-rule: ada.breeze_waits",
    }
    assert "evidence, not proof" in find(report, "dead-rule", "ada.breeze_waits").message


def test_accepting_a_dead_rule_makes_the_picnic_pass_only_on_what_is_accepted(picnic: Engine) -> None:
    declaration = Accepted(name="breeze_kept", kind="dead-rule", rule="ada.breeze_waits", reason="kept for the record")
    report = run_consistency(with_checks(picnic, accepted=(declaration,)))
    assert find(report, "dead-rule", "ada.breeze_waits").status == "accepted"
    assert report.failed  # the self-conflict and the invariant are still there


def test_orchard_shadowed_rules(orchard: Engine) -> None:
    report = run_consistency(orchard)
    assert titles(report) == {
        "shadowed-rule: bea.cold": "failing",
        "shadowed-rule: bea.frost_cold": "failing",
        "shadowed-rule: bea.not_falling": "accepted",
        "disagreement: bea and cal on apple_price (literal)": "informational",
        "disagreement: bea and cal on apple_price (plain)": "informational",
        "unused-acceptance: cal_in_two_minds": "informational",
    }
    # bea.cold and bea.chill say the same in the same scenarios: only the later id is reported.
    assert find(report, "shadowed-rule", "bea.cold").rules == ("bea.cold", "bea.chill")
    assert find(report, "shadowed-rule", "bea.frost_cold").rules == ("bea.frost_cold", "bea.chill", "bea.cold")
    assert find(report, "shadowed-rule", "bea.frost_cold").scenario == {"frost": True, "temperature": -10, "harvest": "poor"}
    # "rises" and "falls", each stated as fact (80-99%): no distribution meets both; taken at their word, no outcome.
    parting = find(report, "disagreement", "bea and cal on apple_price (plain)")
    assert parting.experts == ("bea", "cal") and parting.rules == ("bea.prices_rise", "cal.glut")
    assert parting.scenario == {"frost": False, "temperature": -10, "harvest": "rich"}
    # cal_no_rise_after_cold holds only because its `when` (a derived fact) is honoured.
    assert not [finding for finding in report.findings if finding.kind == "invariant"]


def test_accepting_every_failure_passes_and_removing_one_fails_again(orchard: Engine) -> None:
    extra = tuple(
        Accepted(name=f"ok_{index}", kind="shadowed-rule", rule=rule, reason="fixture")
        for index, rule in enumerate(("bea.cold", "bea.frost_cold"))
    )
    accepted = (*orchard.rule_base.checks.accepted, *extra)
    passing = run_consistency(with_checks(orchard, accepted=accepted))
    assert not passing.failed
    assert "PASSED" in passing.render_text()
    failing = run_consistency(with_checks(orchard, accepted=accepted[:-1]))
    assert failing.failed
    assert [finding.title for finding in failing.by_status("failing")] == ["shadowed-rule: bea.frost_cold"]


# --- the engine's own promises ----------------------------------------------------------


class _Wrapped(Matcher):
    """The production matcher, wrapped so that a test can make it misbehave."""

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        self.inner = DurableMatcher(program)

    def run(self, values: Mapping[str, Value]) -> tuple[Firing, ...]:
        return self.inner.run(values)


class _FailsInRain(_Wrapped):
    def run(self, values: Mapping[str, Value]) -> tuple[Firing, ...]:
        if values["rain"]:
            raise EngineFailure("fired over its budget")
        return self.inner.run(values)


class _OrderSensitive(_Wrapped):
    def run(self, values: Mapping[str, Value]) -> tuple[Firing, ...]:
        firings = self.inner.run(values)
        return firings if next(iter(values)) == "rain" else firings[:-1]


class _SecondInstanceDiffers(_Wrapped):
    made = 0

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        type(self).made += 1
        self.late = type(self).made > 1

    def run(self, values: Mapping[str, Value]) -> tuple[Firing, ...]:
        firings = self.inner.run(values)
        return firings[:-1] if self.late else firings


@pytest.mark.parametrize(
    ("matcher", "promise", "scenario"),
    [
        (_FailsInRain, "terminates", {"rain": True, "wind": 0, "season": "winter"}),
        (_OrderSensitive, "values-order", {"rain": False, "wind": 0, "season": "winter"}),
        (_SecondInstanceDiffers, "rule-order", {"rain": False, "wind": 0, "season": "winter"}),
    ],
)
def test_broken_engine_promises_are_found(picnic: Engine, matcher: type[Matcher], promise: str, scenario: dict[str, Value]) -> None:
    engine = Engine(picnic.rule_base, picnic.program, matcher(picnic.program))
    report = run_consistency(engine)
    finding = find(report, "promise", promise)
    assert finding.status == "failing"
    assert finding.scenario == scenario


def test_a_quote_missing_from_its_seed_breaks_the_trace_promise(picnic: Engine) -> None:
    misquoted = "On a windy day we go."
    seed = FoldedText(picnic.rule_base.seeds["picnic-notes"].text)
    assert seed.find(misquoted) is None
    rules = tuple(
        replace(rule, source=replace(rule.source, quote=misquoted, quote_span=seed.find(misquoted)))
        if rule.id == "ada.calm_go" and rule.source
        else rule
        for rule in picnic.rule_base.rules
    )
    engine = Engine(replace(picnic.rule_base, rules=rules), picnic.program, picnic.matcher)
    finding = find(run_consistency(engine), "promise", "quoted-traces")
    assert "the quote of ada.calm_go is not found in seed picnic-notes" in finding.message


def test_promises_are_checked_on_a_stated_sample(picnic: Engine) -> None:
    report = run_consistency(picnic, promise_sample=3)
    assert (report.promise_checks, report.promise_every) == (3, 4)
    assert "checked on 3 of 10 scenarios (one in every 4" in report.render_text()


# --- invariants ----------------------------------------------------------------------------


def test_no_stance_and_a_conflict_meet_every_bound(shipped: Engine) -> None:
    never = invariant({"name": "never", "reason": "test", "require": {"question": "russia_presence", "in": ["maintain"]}})
    quiet = shipped.forecast(SHIPPED_DEFAULTS)
    assert quiet.question("russia_presence").status == "no stance"
    assert invariant_breach(never, quiet, shipped.rule_base.vocabulary) is None
    clash = shipped.forecast({**SHIPPED_DEFAULTS, "junta_pays": True, "deadly_clashes": 3}, lexicon="literal")
    assert clash.question("russia_presence").status == "conflict"
    assert invariant_breach(never, clash, shipped.rule_base.vocabulary) is None
    paid = shipped.forecast({**SHIPPED_DEFAULTS, "junta_pays": True})
    breach = invariant_breach(never, paid, shipped.rule_base.vocabulary)
    assert breach is not None and breach.forbidden == ("increase",) and breach.rules == ("elischer.more_if_paid",)


# --- output ----------------------------------------------------------------------------------


def test_two_runs_are_identical(
    picnic: Engine, orchard: Engine, unaccepted: Engine, unaccepted_report: ConsistencyReport, tmp_path: Path
) -> None:
    for engine in (picnic, orchard):
        first, second = run_consistency(engine), run_consistency(engine)
        assert json.dumps(first.to_json()) == json.dumps(second.to_json())
        assert first.render_text() == second.render_text()
    again = run_consistency(unaccepted)
    assert json.dumps(again.to_json()) == json.dumps(unaccepted_report.to_json())
    one = write_counterexamples(unaccepted_report, tmp_path / "one", unaccepted.rule_base.vocabulary)
    two = write_counterexamples(again, tmp_path / "two", unaccepted.rule_base.vocabulary)
    assert [path.name for path in one] == [path.name for path in two]
    assert [path.read_bytes() for path in one] == [path.read_bytes() for path in two]


def test_hypothesis_runs_are_identical(picnic: Engine) -> None:
    first = run_consistency(picnic, limit=5, max_examples=30)
    second = run_consistency(picnic, limit=5, max_examples=30)
    assert first.to_json() == second.to_json()


def test_json_is_plain_and_ordered(unaccepted_report: ConsistencyReport) -> None:
    data = json.loads(json.dumps(unaccepted_report.to_json()))
    assert list(data) == [
        "failed",
        "method",
        "exact",
        "scenarios_tried",
        "space",
        "max_examples",
        "promises",
        "summary",
        "findings",
        "complete",
        "max_seconds",
        "lexicons",
        "rated_conclusions",
    ]
    assert data["summary"] == {"failing": 1, "accepted": 0, "informational": 2}
    assert [(finding["kind"], finding["status"], finding["lexicon"]) for finding in data["findings"]] == [
        ("self-conflict", "failing", "literal"),
        ("points-both-ways", "informational", "icd203"),
        ("points-both-ways", "informational", "kent"),
    ]
    assert list(data["findings"][0])[:5] == ["kind", "status", "subject", "question", "lexicon"]
    assert data["findings"][0]["scenario"] == {**SHIPPED_DEFAULTS, "junta_pays": True, "deadly_clashes": 3}


def test_counterexample_files_run_and_say_what_they_show(picnic: Engine, tmp_path: Path) -> None:
    report = run_consistency(picnic)
    written = write_counterexamples(report, tmp_path, picnic.rule_base.vocabulary)
    assert [path.name for path in written] == [
        "01-invariant-no-go-in-gale.yaml",
        "02-self-conflict-ada-on-picnic-literal.yaml",
        "03-self-conflict-ada-on-picnic-plain.yaml",
    ]
    text = written[0].read_text(encoding="utf-8")
    assert "# Shows invariant: no_go_in_gale (a finding to fix)." in text
    assert "# Run it: forecast <this file>\n" in text, "read with the default lexicon: no option needed"
    assert "# Run it: forecast <this file> --lexicon literal\n" in written[1].read_text(encoding="utf-8")
    _, forecast = picnic.forecast_file(written[0])
    picnic_question = forecast.question("picnic")
    # Ada alone: "not cancel" stated as fact, P(postpone or go) 80-99%, the smallest event she favours.
    assert (picnic_question.status, picnic_question.verdict.favours) == ("one voice", ("postpone", "go"))


def test_progress_reports_every_scenario(picnic: Engine) -> None:
    calls: list[tuple[int, int]] = []
    run_consistency(picnic, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(done, 10) for done in range(1, 11)]


def test_sampled_progress_rises_and_ends_once(unaccepted: Engine) -> None:
    """The CLI's progress bar closes when done reaches total: that must happen once, last."""
    calls: list[tuple[int, int]] = []
    run_consistency(unaccepted, limit=100, max_examples=40, progress=lambda done, total: calls.append((done, total)))
    assert {total for _, total in calls} == {40}
    done = [step for step, _ in calls]
    assert done == sorted(set(done)) and done[-1] == 40 and done.count(40) == 1


def test_shrinking_a_sampled_search_reports_its_progress_and_ends_once(unaccepted: Engine) -> None:
    """Shrinking is most of a sampled search on a large base: it reports each finding shrunk, and reaches its total once, last."""
    calls: list[tuple[int, int]] = []
    report = run_consistency(unaccepted, limit=100, max_examples=40, shrinking=lambda done, total: calls.append((done, total)))
    assert calls and all(0 < done <= total for done, total in calls)
    done = [step for step, _ in calls]
    assert done == sorted(done) and [index for index, (step, total) in enumerate(calls) if step == total] == [len(calls) - 1]
    keyed = [finding for finding in report.findings if finding.kind not in ("dead-rule", "lexicon-sensitivity", "unused-acceptance")]
    assert calls[-1][0] >= len(keyed) > 0
    exhaustive: list[tuple[int, int]] = []
    run_consistency(unaccepted, shrinking=lambda done, total: exhaustive.append((done, total)))
    assert exhaustive == [], "an exhaustive search shrinks nothing: each finding is its first class"


# --- the verdict under each lexicon: self-conflicts, and lexicon sensitivity ---------------------


@pytest.fixture(scope="module")
def bold(tmp_path_factory: pytest.TempPathFactory, repo_root: Path) -> Engine:
    """The shipped base plus a lexicon that reads "may" and "could potentially" as 60-90% likely.

    Elischer's two claims on russia_presence then ask for P(curtail) and
    P(increase) both of at least 60% where both fire: no distribution meets that.
    The shipped checks.yaml accepts his self-conflict under `literal` only.
    """
    import shutil

    rules = tmp_path_factory.mktemp("bold") / "rules"
    shutil.copytree(repo_root / "rules", rules)
    icd203 = (rules / "lexicons" / "icd203.yaml").read_text(encoding="utf-8")
    bold = icd203 + (
        "  - words: [may, might, could, could potentially, possibly]\n    range: [0.60, 0.90]\n"
        "    replaces: true\n    note: read as likely, for this test\n"
    )
    (rules / "lexicons" / "bold.yaml").write_text(bold.replace("default: true\n", ""), encoding="utf-8")
    return Engine.open(rules, repo_root / "seeds", cache=False, matcher="compiled")


@pytest.fixture(scope="module")
def hedged() -> Engine:
    """Expert e on q: "unlikely" to be low when a holds, "almost no chance" of low when b holds.

    Both claims allow mid and high, so the outcomes never clash; but where
    both fire P(low) must be 20-45% and 1-5% at once, which no distribution meets.
    Its rules quote no seed, so the quoted-traces promise fails too: the
    tests look past that finding.
    """
    from builders import rule, vocabulary

    from engine.model import LITERAL, Checks, Expert, Lexicon, Reading, RuleBase

    lexicon = Lexicon(
        "plain",
        "Plain",
        "tests",
        (
            Reading(("unlikely",), Fraction(20, 100), Fraction(45, 100), True),
            Reading(("almost no chance",), Fraction(1, 100), Fraction(5, 100), True),
            Reading(("stated as fact",), Fraction(80, 100), Fraction(99, 100), False, "flat"),
        ),
        default=True,
    )
    rule_base = RuleBase(
        directory=Path("."),
        vocabulary=vocabulary(
            {
                "variables": {"a": {"type": "boolean", "meaning": "A."}, "b": {"type": "boolean", "meaning": "B."}},
                "questions": {"q": {"text": "Which?", "outcomes": ["low", "mid", "high"]}},
            }
        ),
        experts={"e": Expert("E", "tests")},
        rules=(
            rule(
                "e.one",
                {"var": "a", "is": True},
                {"question": "q", "is_not": "low"},
                hedge="unlikely",
                rates={"question": "q", "is": "low"},
            ),
            rule(
                "e.two",
                {"var": "b", "is": True},
                {"question": "q", "is_not": "low"},
                hedge="almost no chance",
                rates={"question": "q", "is": "low"},
            ),
        ),
        seeds={},
        checks=Checks(),
        lexicons={"plain": lexicon, LITERAL.name: LITERAL},
    )
    return Engine.from_rule_base(rule_base, matcher="compiled")


def test_a_self_conflict_of_ranges_is_found_with_its_lexicon_and_smallest_scenario(hedged: Engine) -> None:
    report = run_consistency(hedged)
    found = find(report, "self-conflict", "e on q (plain)")
    assert [finding.title for finding in report.findings if finding.status == "failing"] == [
        "self-conflict: e on q (plain)",
        "promise: quoted-traces",
    ]
    assert found.rules == ("e.one", "e.two") and found.lexicon == "plain"
    assert 'admit no distribution: e.one puts P(low) 20-45% "unlikely"; e.two puts P(low) 1-5% "almost no chance".' in found.message
    assert found.scenario == {"a": True, "b": True} and found.scenarios == 1
    # Taken at their word, both say "not low": the outcomes themselves agree.
    assert not [finding for finding in report.findings if finding.lexicon == "literal"]


@pytest.mark.parametrize(("lexicon", "status"), [(None, "accepted"), ("plain", "accepted"), ("literal", "failing")])
def test_a_self_conflict_is_accepted_under_the_lexicon_named(hedged: Engine, lexicon: str | None, status: str) -> None:
    """An acceptance without `lexicon:` accepts the self-conflict under every lexicon; with one, under that one only."""
    declaration = Accepted("two_readings", "self-conflict", "a test", expert="e", question="q", lexicon=lexicon)
    report = run_consistency(with_checks(hedged, accepted=(declaration,)))
    assert find(report, "self-conflict", "e on q (plain)").status == status
    if status == "accepted":
        assert [finding.title for finding in report.findings if finding.status == "failing"] == ["promise: quoted-traces"]
    else:
        unused = find(report, "unused-acceptance", "two_readings")
        assert "accepts the self-conflict e on q (read with the literal lexicon), but none was found" in unused.message


def test_conclusions_that_change_direction_between_lexicons_are_named(bold: Engine) -> None:
    """Read "may" and "could" as 60-90%: four conclusions flip from "either way" to likely, and Elischer's claims clash under bold too."""
    report = run_consistency(bold)
    assert {finding.subject for finding in report.findings if finding.kind == "lexicon-sensitivity"} == {
        "elischer.curtail_if_trend",
        "elischer.more_if_paid",
        "weiss.fewer_assaults",
        "weiss.could_match_france",
    }
    sensitive = find(report, "lexicon-sensitivity", "elischer.more_if_paid")
    assert sensitive.status == "informational"
    assert '"could potentially": icd203 reads no number (either way); bold reads 60-90% (likely)' in sensitive.message
    assert "literal reads" not in sensitive.message, "literal reads no words: it is left out"
    # P(curtail) and P(increase) both 60-90%: no distribution. checks.yaml accepts the clash under literal only.
    clash = find(report, "self-conflict", "elischer on russia_presence (bold)")
    assert clash.status == "failing" and clash.scenarios == 336
    assert 'elischer.curtail_if_trend puts P(curtail) 60-90% "may"' in clash.message
    assert find(report, "self-conflict", "elischer on russia_presence (literal)").status == "accepted"
    assert [finding.title for finding in report.by_status("failing")] == [clash.title]
    assert "4 change direction between lexicons" in " ".join(report.render_text().split())


def test_the_shipped_lexicons_agree_on_every_direction(shipped_report: ConsistencyReport) -> None:
    assert shipped_report.lexicons == ("icd203", "kent", "literal")
    assert shipped_report.rated == 18
    assert not [finding for finding in shipped_report.findings if finding.kind == "lexicon-sensitivity"]
    assert [finding.title for finding in shipped_report.findings if finding.kind == "self-conflict"] == [
        "self-conflict: elischer on russia_presence (literal)"
    ]
    assert "none changes direction" in " ".join(shipped_report.render_text().split())


# --- shrinking a sampled finding -------------------------------------------------------------


@hypothesis.settings(max_examples=200, deadline=None)
@hypothesis.given(data=hypothesis.strategies.data())
def test_shrink_ends_where_no_variable_can_move_nearer_its_default(data: hypothesis.strategies.DataObject) -> None:
    """Whatever the condition: the point reached holds, and moving any one variable to any nearer class loses it."""
    from itertools import product

    from engine.consistency.observer import shrink

    st = hypothesis.strategies
    dimensions = data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=4), label="dimensions")
    every = list(product(*(range(count) for count in dimensions)))
    holding = data.draw(st.sets(st.sampled_from(every), min_size=1), label="holding")
    start = data.draw(st.sampled_from(sorted(holding)), label="start")
    asked: list[tuple[int, ...]] = []

    def holds(point: tuple[int, ...]) -> bool:
        asked.append(point)
        return point in holding

    found = shrink(start, holds)
    assert found in holding
    assert all(mine <= theirs for mine, theirs in zip(found, start, strict=True))  # only ever nearer the default
    for place, position in enumerate(found):
        for nearer in range(position):
            assert (*found[:place], nearer, *found[place + 1 :]) not in holding
    # every move lowers the sum of positions, and a pass asks at most each nearer class of each variable once
    assert len(asked) <= (sum(start) + 1) * sum(count - 1 for count in dimensions)


def test_a_claim_in_a_probabilistic_conflict_shows_its_own_reading(bold: Engine, repo_root: Path, tmp_path: Path) -> None:
    """No distribution meets Elischer's ranges, so there is no figure of his for the event: each claim shows what its words read."""
    shipped_text = (repo_root / "scenarios" / "pays_and_fighting.yaml").read_text(encoding="utf-8")
    scenario = tmp_path / "pays_and_fighting.yaml"  # its expectations are the default lexicon's: read with bold, a conflict
    scenario.write_text(shipped_text[: shipped_text.index("\nexpect:") + 1], encoding="utf-8")
    for fmt in ("text", "markdown"):
        rules, seeds = bold.rule_base.directory, repo_root / "seeds"
        result = subprocess.run(
            [sys.executable, "-m", "engine", scenario, "--rules", rules, "--seeds", seeds, "--lexicon", "bold", "--format", fmt],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "FORECAST_CACHE_DIR": str(tmp_path)},
        )
        assert result.returncode == 0, result.stderr
        assert 'P(curtail) 60-90% "may" (analyst\'s reading); P(increase) 60-90% "could potentially"' in result.stdout
        assert '0-100% "may"' not in result.stdout


# --- a small rule base of its own: every kind the verdict gives, under each lexicon --------------------


@pytest.fixture(scope="module")
def harbour() -> Engine:
    """Experts x and y on q (low < mid < high), three switches a, b, c, and one lexicon, `words`:

    - a: x says low is "unlikely" (P(low) 20-45%), y says low is "likely" (55-80%): no distribution meets both;
    - b: x "may" see high; c: x "may" see low: two possibilities that do not overlap.

    Its rules quote no seed, so the quoted-traces promise fails too: the tests look past it.
    """
    from builders import checks, rule, rule_base

    from engine.model import Lexicon, Reading

    words = Lexicon(
        "words",
        "Words",
        "tests",
        (
            Reading(("unlikely",), Fraction(20, 100), Fraction(45, 100), True),
            Reading(("likely",), Fraction(55, 100), Fraction(80, 100), True),
            Reading(("may",), None, None, True),
            Reading(("stated as fact",), Fraction(80, 100), Fraction(99, 100), False, "flat"),
        ),
        default=True,
    )
    low = {"question": "q", "is": "low"}
    rules = (
        rule("x.unlikely_low", {"var": "a", "is": True}, {"question": "q", "is_not": "low"}, hedge="unlikely", rates=low),
        rule("x.may_high", {"var": "b", "is": True}, {"question": "q", "is": "high"}, hedge="may"),
        rule("x.may_low", {"var": "c", "is": True}, low, hedge="may"),
        rule("y.likely_low", {"var": "a", "is": True}, low, hedge="likely"),
    )
    when_a = {"var": "a", "is": True}
    declared = checks(
        {
            "invariants": [
                {
                    "name": "x_never_low_while_a",
                    "reason": "t",
                    "expert": "x",
                    "when": when_a,
                    "require": {"question": "q", "is_not": "low"},
                },
                {"name": "x_low_while_a", "reason": "t", "expert": "x", "when": when_a, "require": low},
                {"name": "y_low_while_a", "reason": "t", "expert": "y", "when": when_a, "require": low},
                {"name": "all_low_while_a", "reason": "t", "when": when_a, "require": low},
            ]
        }
    )
    switches = {name: {"type": "boolean", "meaning": name.upper()} for name in "abc"}
    written = {"variables": switches, "questions": {"q": {"text": "Which?", "outcomes": ["low", "mid", "high"]}}}
    return Engine.from_rule_base(rule_base(written, rules, words, declared), matcher="compiled")


@pytest.fixture(scope="module")
def harbour_report(harbour: Engine) -> ConsistencyReport:
    return run_consistency(harbour)


def test_each_kind_is_found_once_per_lexicon_where_it_arises(harbour_report: ConsistencyReport) -> None:
    assert titles(harbour_report) == {
        "invariant: x_low_while_a": "failing",
        "invariant: x_never_low_while_a": "failing",
        "self-conflict: x on q (literal)": "failing",
        "promise: quoted-traces": "failing",
        "disagreement: x and y on q (literal)": "informational",
        "disagreement: x and y on q (words)": "informational",
        "points-both-ways: x on q (words)": "informational",
    }


def test_possibilities_at_both_ends_point_both_ways_under_a_lexicon_and_clash_taken_at_their_word(
    harbour_report: ConsistencyReport,
) -> None:
    both = find(harbour_report, "points-both-ways", "x on q (words)")
    assert both.scenario == {"a": False, "b": True, "c": True} and both.scenarios == 2  # b and c, a either way
    assert both.rules == ("x.may_high", "x.may_low")
    assert 'x.may_high raises high as possible ("may"); x.may_low raises low as possible ("may")' in both.message
    clash = find(harbour_report, "self-conflict", "x on q (literal)")
    # Taken at their word: c with a ("not low" and "low") or with b ("high" and "low"): 3 of the 8 classes.
    assert clash.scenarios == 3
    assert clash.scenario == {"a": False, "b": True, "c": True}, "(0, 1, 1) comes before (1, 0, 1) in vocabulary order"
    assert clash.rules == ("x.may_high", "x.may_low")
    assert "x.may_high says q is high; x.may_low says q is low" in clash.message


def test_a_disagreement_is_a_conflict_between_experts_under_each_lexicon(harbour_report: ConsistencyReport) -> None:
    for lexicon, said in (
        ("words", 'x.unlikely_low puts P(low) 20-45% "unlikely"; y.likely_low puts P(low) 55-80% "likely"'),
        ("literal", "x.unlikely_low says q is not low; y.likely_low says q is low"),
    ):
        parting = find(harbour_report, "disagreement", f"x and y on q ({lexicon})")
        assert parting.experts == ("x", "y") and parting.rules == ("x.unlikely_low", "y.likely_low")
        assert parting.scenario == {"a": True, "b": False, "c": False} and parting.scenarios == 4
        assert said in parting.message


def test_invariants_hold_as_likelihoods_on_a_base_of_our_own(harbour: Engine, harbour_report: ConsistencyReport) -> None:
    """A bound holds when every possibility raised lies within it and the numbers, if any, favour it (above one half)."""
    raised = find(harbour_report, "invariant", "x_never_low_while_a")
    # P(low) 20-45% favours "not low" (at least 55%), but with c x also raises low as possible.
    assert raised.scenario == {"a": True, "b": False, "c": True} and raised.scenarios == 2
    assert raised.rules == ("x.may_low",)
    assert "on q, x raises low as possible (x.may_low), but the invariant requires 'q is not low'" in raised.message
    short = find(harbour_report, "invariant", "x_low_while_a")
    # P(low) 20-45% leaves low at 20%: not favoured, wherever a holds.
    assert short.scenario == {"a": True, "b": False, "c": False} and short.scenarios == 4
    assert "x's claims put P(low) as low as 20%, not above one half (x.unlikely_low)" in short.message
    vocabulary = harbour.rule_base.vocabulary
    checks = {item.name: item for item in harbour.rule_base.checks.invariants}
    for values in ({"a": True, "b": False, "c": False}, {"a": True, "b": True, "c": True}):
        forecast = harbour.forecast(values)
        assert invariant_breach(checks["y_low_while_a"], forecast, vocabulary) is None, "P(low) at least 55% favours low"
        assert forecast.question("q").status == "conflict"
        assert invariant_breach(checks["all_low_while_a"], forecast, vocabulary) is None, "a conflict meets every bound"
    quiet = harbour.forecast({"a": False, "b": False, "c": False})
    assert quiet.question("q").status == "no stance"
    assert all(invariant_breach(item, quiet, vocabulary) is None for item in checks.values())
    unscoped = replace(checks["x_low_while_a"], expert=None, when=None)
    said = str(invariant_breach(unscoped, harbour.forecast({"a": False, "b": True, "c": True}), vocabulary))
    assert said == "on q, the experts raise high as possible (x.may_high), but the invariant requires 'q is low'"
    # Outside `when`, nothing is asked: b alone raises high, which "q is low" would rule out.
    assert invariant_breach(checks["x_low_while_a"], harbour.forecast({"a": False, "b": True, "c": False}), vocabulary) is None

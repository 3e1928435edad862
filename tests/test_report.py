"""The renderers: same forecast, same bytes; readable width; assumptions never hidden.

Reports are built here the way `forecast run` builds them, from the one
session Engine, for every shipped scenario and every format.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from engine.model import ExpertKind
from engine.pipeline import Engine
from engine.records import replace
from engine.render.formats import renderer
from engine.render.jsonout import SCHEMA_VERSION, render_json, to_json
from engine.render.markdown import render_markdown
from engine.render.odds import percent
from engine.render.report import Report
from engine.render.text import render_text
from engine.resolve.expectations import unmet_expectations
from engine.resolve.results import Stance

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
IDS = [path.stem for path in SCENARIOS]
FORMATS = ("json", "markdown", "text")
COLUMNS = 100


def squash(text: str) -> str:
    """`text` with every run of white space as one space: wrapped lines read as one."""
    return " ".join(text.split())


def build_report(engine: Engine, path: Path) -> Report:
    """A report as `forecast run` makes it, with paths relative to the repository."""
    scenario = engine.read_scenario(path)
    forecast, odds = engine.forecast_scenario(scenario)
    return Report(
        scenario=scenario,
        scenario_path=path.relative_to(ROOT).as_posix(),
        rules_path="rules",
        rule_base=engine.rule_base,
        forecast=forecast,
        unmet=tuple(unmet_expectations(scenario, forecast, odds)),
        odds=odds,
    )


def _paired(stances: Sequence[Stance], question: dict[str, Any]) -> list[tuple[Stance, dict[str, Any]]]:
    """Each stance with its JSON: the experts' under `stances`, the sources' and the analyst's under `sources`."""
    written = {item["expert"]: item for item in question["stances"] + question["sources"]}
    assert len(written) == len(stances) == len(question["stances"]) + len(question["sources"])
    return [(stance, written[stance.expert]) for stance in stances]


def certain(reports: dict[str, Report]) -> list[Report]:
    """The reports of certain scenarios: those with a single chain of reasoning to trace."""
    return [report for report in reports.values() if report.forecast is not None]


@pytest.fixture(scope="module")
def reports(shipped_engine: Engine) -> dict[str, Report]:
    """One report per shipped scenario, by file stem."""
    return {path.stem: build_report(shipped_engine, path) for path in SCENARIOS}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", IDS)
def test_rendering_is_deterministic(name: str, fmt: str, reports: dict[str, Report], shipped_engine: Engine) -> None:
    """Rendering twice, and rendering a second forecast of the same scenario, give identical text."""
    render = renderer(fmt)
    first = render(reports[name])
    assert render(reports[name]) == first
    assert render(build_report(shipped_engine, ROOT / "scenarios" / f"{name}.yaml")) == first
    assert first.endswith("\n") and not first.endswith("\n\n")


@pytest.mark.parametrize("name", IDS)
def test_text_fits_in_100_columns(name: str, reports: dict[str, Report]) -> None:
    """Every text line that could be wrapped is at most 100 columns; only a single unbreakable token may exceed."""
    for line in render_text(reports[name]).splitlines():
        if len(line) > COLUMNS:
            assert " " not in line.strip(), f"{len(line)} columns: {line!r}"


def test_text_wraps_a_long_question_under_its_text(reports: dict[str, Report]) -> None:
    """A question longer than a line continues aligned under the question's text, its words intact."""
    text = render_text(reports["article_baseline"])
    question = reports["article_baseline"].forecast.question("resource_funding")
    heading = f"{question.id}: {question.text}"
    assert len(heading) > COLUMNS
    lines = text.splitlines()
    at = next(index for index, line in enumerate(lines) if line.startswith(f"{question.id}: "))
    indent = " " * (len(question.id) + 2)
    assert lines[at + 1].startswith(indent) and not lines[at + 1].startswith(indent + " ")
    end = next(index for index in range(at + 1, len(lines)) if not lines[index].startswith(indent))
    assert squash(" ".join(lines[at:end])) == heading


def test_every_analyst_step_is_marked_in_every_format(reports: dict[str, Report]) -> None:
    """An analyst's rule is an assumption wherever it appears: text, JSON and Markdown; no other rule is."""
    marked = 0
    for report in certain(reports):
        text, markdown = render_text(report), render_markdown(report)
        data = json.loads(render_json(report))
        for result, question in zip(report.shown, data["questions"], strict=True):
            for stance, stance_json in _paired(result.stances, question):
                for step, step_json in zip(stance.trace, stance_json["trace"], strict=True):
                    analyst = report.rule_base.experts[step.expert].kind is ExpertKind.ANALYST
                    assert step_json["rule"] == step.rule
                    assert step_json["assumption"] is analyst
                    assert (f"ASSUMPTION {step.rule} " in text) is analyst, step.rule
                    assert (f"**Assumption** `{step.rule}`" in markdown) is analyst, step.rule
                    if analyst:
                        rule = report.rule_base.rule(step.rule)
                        assert step_json["assumes"] == rule.assumption
                        assert squash(f"assumes: {rule.assumption}") in squash(text)
                        assert f"Assumes: {rule.assumption}" in markdown
                        marked += 1
    assert marked > 0, "the shipped scenarios exercise the analyst's rules"


def test_a_stance_resting_on_an_assumption_says_so(reports: dict[str, Report]) -> None:
    """An expert's stance that depends on an analyst's link says so in text and JSON; others do not."""
    resting = 0
    for report in certain(reports):
        text = render_text(report)
        lines = text.splitlines()
        data = json.loads(render_json(report))
        for result, question in zip(report.shown, data["questions"], strict=True):
            for stance, stance_json in _paired(result.stances, question):
                rests = any(report.rule_base.experts[step.expert].kind is ExpertKind.ANALYST for step in stance.trace)
                assert stance_json["rests_on_assumption"] is rests
                start = next(
                    index
                    for index, line in enumerate(lines)
                    if line.startswith(f"  {stance.expert} ") and index > _heading(lines, result.id)
                )
                stance_text = squash(" ".join([lines[start], *_continuations(lines, start)]))
                if report.rule_base.experts[stance.expert].kind is ExpertKind.ANALYST:
                    assert stance_text.endswith("(analyst's assumption: not counted)")
                else:
                    assert stance_text.endswith("(rests on an analyst's assumption)") is rests, stance_text
                    resting += rests
    assert resting > 0


def _heading(lines: list[str], question_id: str) -> int:
    return next(index for index, line in enumerate(lines) if line.startswith(f"{question_id}: "))


def _continuations(lines: list[str], start: int) -> list[str]:
    """The wrapped continuation lines of a stance line (indented deeper, not a self-conflict note)."""
    found: list[str] = []
    for line in lines[start + 1 :]:
        if not line.startswith("      ") or line.strip().startswith("SELF-CONFLICT"):
            break
        found.append(line)
    return found


def test_heavy_fighting_elischer_rests_on_the_analysts_trend(reports: dict[str, Report]) -> None:
    """A concrete case: Elischer's 'curtail' needs the analyst's reading of four clashes as a trend."""
    text = render_text(reports["heavy_fighting"])
    assert 'elischer curtail: possible, "may" gives no likelihood (rests on an analyst\'s assumption)' in squash(text)
    assert '  weiss     P(withdraw) 20-45% "unlikely"  -> favours not withdraw' in text.splitlines()


def test_a_trace_shows_each_hedge_with_the_event_it_rates(reports: dict[str, Report]) -> None:
    """Weiss's "unlikely" rates the pull-out, not his conclusion: the trace says P(withdraw), never "hedged" beside `not withdraw`."""
    report = reports["heavy_fighting"]
    text, markdown = squash(render_text(report)), render_markdown(report)
    assert 'weiss.no_pullout (Caleb Weiss) -> russia_presence is not withdraw, P(withdraw) "unlikely" because' in text
    assert 'weiss.junta_keeps_russia (Caleb Weiss) -> junta_protector is not drop_russia, P(drop_russia) "unlikely" because' in text
    assert 'elischer.china_stays_out (Sebastian Elischer) -> china_role is stays_out, P(gets_involved) "doesn\u2019t see" because' in text
    assert 'elischer.curtail_if_trend (Sebastian Elischer) -> russia_presence is curtail, P(curtail) "may" because' in text
    assert "siegle.myths_punctured (Joseph Siegle) -> security_myth is punctured because" in text, "stated as fact: no hedge"
    assert '`weiss.no_pullout` (Caleb Weiss) concludes russia_presence is not withdraw, P(withdraw) "unlikely".' in markdown
    assert '`weiss.junta_keeps_russia` (Caleb Weiss) concludes junta_protector is not drop_russia, P(drop_russia) "unlikely".' in markdown
    assert '`elischer.curtail_if_trend` (Sebastian Elischer) concludes russia_presence is curtail, P(curtail) "may".' in markdown
    assert "`siegle.myths_punctured` (Joseph Siegle) concludes security_myth is punctured." in markdown
    for report in certain(reports):
        text, markdown = squash(render_text(report)), render_markdown(report)
        assert "hedged" not in text and "hedged" not in markdown
        for step in (step for result in report.shown for stance in result.stances for step in stance.trace if step.hedge):
            said = (
                f'{step.concludes}, P({" or ".join(report.rule_base.rated_event(report.rule_base.rule(step.rule)) or ())}) "{step.hedge}"'
            )
            assert f"-> {said}" in text and f"concludes {said}." in markdown, step.rule


def test_json_trace_steps_give_the_event_each_hedge_rates(reports: dict[str, Report]) -> None:
    """Beside `hedge`, `rates`: `["withdraw"]` for weiss.no_pullout, whose conclusion is `not withdraw`; null for a fact."""
    data = json.loads(render_json(reports["heavy_fighting"]))
    steps = {step["rule"]: step for question in data["questions"] for stance in question["stances"] for step in stance["trace"]}
    said = {rule: (step["concludes"], step["hedge"], step["rates"]) for rule, step in steps.items()}
    assert said["weiss.no_pullout"] == ("russia_presence is not withdraw", "unlikely", ["withdraw"])
    assert said["weiss.junta_keeps_russia"] == ("junta_protector is not drop_russia", "unlikely", ["drop_russia"])
    assert said["elischer.curtail_if_trend"] == ("russia_presence is curtail", "may", ["curtail"])
    assert said["weiss.fewer_assaults"] == ("wagner_assault_role is not spearhead", "may", ["no_assaults", "fewer_assaults"])
    assert said["siegle.myths_punctured"] == ("security_myth is punctured", None, ["punctured"])
    assert said["osborn.agreements_violated"] == ("fact tuareg_agreements_broken", None, None)
    assert list(steps["weiss.no_pullout"])[6:8] == ["hedge", "rates"]
    claims = {
        claim["rule"]: claim["event"] for question in data["questions"] for stance in question["stances"] for claim in stance["claims"]
    }
    assert {rule: claims[rule] for rule in steps if rule in claims} == {
        rule: step["rates"] for rule, step in steps.items() if rule in claims
    }
    assert len(set(steps) & set(claims)) >= 8, "each stance rule of the trace has its claim, rating the same event"


def test_every_quote_says_whose_words_it_is_in_every_format(reports: dict[str, Report]) -> None:
    """Beside each quote: direct or reported speech, as the seed's quotation marks say, and whether the speaker is unconfirmed."""
    shown: set[str] = set()
    for report in certain(reports):
        text, markdown = squash(render_text(report)), render_markdown(report)
        data = json.loads(render_json(report))
        steps = {
            step["rule"]: step
            for question in data["questions"]
            for stance in question["stances"] + question["sources"]
            for step in stance["trace"]
        }
        for result in report.shown:
            for step in (step for stance in result.stances for step in stance.trace if step.quote and step.span):
                source = report.rule_base.rule(step.rule).source
                assert source is not None and source.speech is not None
                confirmed = report.rule_base.experts[step.expert].confirmed
                label = f"{source.speech} speech" + ("" if confirmed else ", unconfirmed")
                assert f"({step.seed}:{step.span.start}-{step.span.end}) ({label})" in text, step.rule
                assert f"> \u2014 {step.seed}, characters {step.span.start}-{step.span.end} ({label})" in markdown, step.rule
                assert (steps[step.rule]["speech"], steps[step.rule]["confirmed"]) == (source.speech, confirmed)
                shown.add(label)
    assert shown == {"direct speech", "reported speech", "reported speech, unconfirmed"}
    baseline = squash(render_text(reports["article_baseline"]))
    assert "(rferl-2024-08-wagner-mali-tinzaouaten:2359-2476) (direct speech)" in baseline, "Siegle's own words"
    assert "(rferl-2024-08-wagner-mali-tinzaouaten:2088-2211) (reported speech, unconfirmed)" in baseline, "the separatists' count"


def test_without_probabilities_a_stance_names_the_event_its_hedge_rates(reports: dict[str, Report]) -> None:
    """A report without figures (the library's, not the command line's) still says what each hedge rates, with no number."""
    report = replace(reports["heavy_fighting"], odds=None)
    lines = render_text(report).splitlines()
    assert '  weiss     P(withdraw) "unlikely"  -> favours not withdraw' in lines
    assert '  weiss  P(drop_russia) "unlikely"  -> favours keep_russia' in lines
    assert '  elischer  P(curtail) "may"  (rests on an analyst\'s assumption)' in lines
    assert "  elischer  stated as fact  -> favours limited" in lines
    assert not any(char.isdigit() and "%" in line for line in lines for char in line if "P(" in line), "no figures without odds"
    markdown = render_markdown(report)
    assert '| Caleb Weiss (expert) | P(withdraw) "unlikely" | favours not withdraw | weiss.no_pullout |' in markdown
    assert '| Sebastian Elischer (expert) | P(curtail) "may" | curtail possible | elischer.curtail_if_trend |' in markdown


def test_possibilities_at_both_ends_point_both_ways_and_never_conflict(reports: dict[str, Report]) -> None:
    """pays_and_fighting: Elischer's "could potentially increase" and "may curtail" are possibilities: one observation, no conflict."""
    report = reports["pays_and_fighting"]
    result = report.forecast.question("russia_presence")
    assert result.status == "compatible" and not result.verdict.conflicting
    assert all(stance.status == "stated" for stance in result.stances)
    elischer = result.verdict.views["elischer"]
    assert elischer.both_ways and elischer.possible == (("curtail",), ("increase",))
    text = squash(render_text(report))
    assert "verdict compatible; possible: curtail (elischer), increase (elischer)" in text
    assert "-> points both ways" in text and "SELF-CONFLICT" not in text
    question = json.loads(render_json(report))["questions"][0]
    assert question["verdict"]["status"] == "compatible" and question["verdict"]["conflicting"] == []
    assert question["verdict"]["possible"] == [{"expert": "elischer", "event": ["curtail"]}, {"expert": "elischer", "event": ["increase"]}]
    markdown = render_markdown(report)
    row = next(line for line in markdown.splitlines() if line.startswith("| Sebastian Elischer"))
    assert "points both ways" in row and "self-conflict" not in row


def test_taken_at_their_word_the_same_rules_clash_and_every_format_names_both(shipped_engine: Engine) -> None:
    """Under the literal lexicon ("may curtail" read as curtail for sure) the clash is a self-conflict, and a conflict."""
    path = ROOT / "scenarios" / "pays_and_fighting.yaml"
    scenario = shipped_engine.read_scenario(path)
    forecast, odds = shipped_engine.forecast_scenario(scenario, lexicon="literal")
    assert forecast is not None
    report = Report(scenario, "scenarios/pays_and_fighting.yaml", "rules", shipped_engine.rule_base, forecast, (), odds=odds)
    result = forecast.question("russia_presence")
    (stance,) = [stance for stance in result.stances if stance.status == "self-conflict"]
    assert stance.expert == "elischer" and result.status == "conflict"
    assert result.verdict.conflicting == ("elischer",)
    assert sorted(result.verdict.clashing) == ["elischer.curtail_if_trend", "elischer.more_if_paid"]
    text = squash(render_text(report))
    assert "verdict conflict: elischer" in text
    assert (
        'SELF-CONFLICT, reported, not resolved: elischer.curtail_if_trend (P(curtail) 100% "may") vs '
        'elischer.more_if_paid (P(increase) 100% "could potentially")'
    ) in text
    question = json.loads(render_json(report))["questions"][0]
    assert question["verdict"]["status"] == "conflict" and question["verdict"]["conflicting"] == ["elischer"]
    (conflicted,) = [item for item in question["stances"] if item["status"] == "self-conflict"]
    assert sorted(conflicted["rules"]) == sorted(stance.rules)
    markdown = render_markdown(report)
    row = next(line for line in markdown.splitlines() if line.startswith("| Sebastian Elischer"))
    assert "**self-conflict**" in row and "elischer.curtail_if_trend" in row and "elischer.more_if_paid" in row


def test_json_is_the_versioned_contract(reports: dict[str, Report]) -> None:
    """render_json is to_json with a fixed key order, the current schema version and the facts derived."""
    report = reports["heavy_fighting"]
    text = render_json(report)
    data = json.loads(text)
    assert text == json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n"
    assert list(data) == [
        "schema_version",
        "scenario",
        "rule_base",
        "method",
        "lexicon",
        "probabilities",
        "questions",
        "facts",
        "expectations",
    ]
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["rule_base"]["rules"] == len(report.rule_base.rules)
    assert data["facts"]["fierce_fighting_trend"] == ["analyst.trend_from_clashes"]
    assert data["expectations"] == {"checked": 3, "unmet": []}


def test_question_filter_at_renderer_level(reports: dict[str, Report]) -> None:
    """A report limited to some questions renders only those, in every format."""
    report = replace(reports["heavy_fighting"], questions=("china_role",))
    assert [question["id"] for question in json.loads(render_json(report))["questions"]] == ["china_role"]
    assert "russia_presence" not in render_text(report)
    assert "## china_role:" in render_markdown(report) and "## russia_presence:" not in render_markdown(report)


def test_markdown_quotes_carry_their_place_in_the_seed(reports: dict[str, Report]) -> None:
    """Each quoted step in Markdown is a blockquote followed by the seed and character span."""
    report = reports["heavy_fighting"]
    lines = render_markdown(report).splitlines()
    quoted = [index for index, line in enumerate(lines) if line.startswith("   > ") and not line.startswith("   > — ")]
    assert quoted
    for index in quoted:
        assert lines[index + 1].startswith("   > — rferl-2024-08-wagner-mali-tinzaouaten, characters ")


def test_an_analyst_only_stance_reads_as_an_assumption(reports: dict[str, Report]) -> None:
    """The Mozambique case: the only stance is the analyst's, so nothing may read as an expert's fact."""
    report = reports["mozambique_like"]
    text = render_text(report)
    assert "  verdict  no stance" in text, "the analyst's own stance never makes a verdict"
    assert "  analyst  withdraw: assumed, no likelihood given  (analyst's assumption: not counted)" in text
    assert "stated as fact" not in text.split("russia_presence:")[1].split("\n\n")[0]
    assert 'basis: "like it did in Mozambique following the killing of several fighters in that' in text
    markdown = render_markdown(report)
    assert "**Verdict: no stance (reported apart, not counted: analyst)**" in markdown and "> Basis: like it did in Mozambique" in markdown


def test_an_uncertain_scenario_reads_the_same_in_text_and_markdown(reports: dict[str, Report]) -> None:
    """Statuses with their chances, each claim with how often it applies, and no set reading beside the likelihoods."""
    report = reports["analyst_view"]
    assert report.forecast is None and report.odds is not None
    question = report.odds.question("russia_presence")
    elischer = next(stance for stance in question.stances if stance.expert == "elischer")
    assert elischer.clash.high == 0, "possibilities never make a self-conflict"
    text, markdown = squash(render_text(report)), squash(render_markdown(report))
    statuses = ", ".join(f"{status} {percent(figure)}" for status, figure in question.statuses.items() if figure.high > 0)
    assert f"status {statuses}" in text and f"Status: {statuses}." in markdown
    assert "SELF-CONFLICT" not in text and "self-conflict" not in markdown
    assert f'weiss P(withdraw) {percent(question.stances[0].events[("withdraw",)])} "unlikely" (applies in 80% of scenarios)' in text
    assert "curtail | maintain | increase" not in text, "the claims in words with ranges, not the set each allows"
    assert "*Likelihoods read with ICD 203 expressions of likelihood (lexicon icd203); exact.*" in markdown


@pytest.mark.parametrize("lexicon", [None, "kent", "literal"])
def test_every_output_of_every_shipped_scenario_shows_one_verdict_per_question(shipped_engine: Engine, lexicon: str | None) -> None:
    """The JSON `verdict` has one status (or chances of each), `conflicting` exactly on a conflict, and text and Markdown say the same."""
    from engine.render.verdicts import statuses_text, verdict_text

    for path in SCENARIOS:
        scenario = shipped_engine.read_scenario(path)
        forecast, odds = shipped_engine.forecast_scenario(scenario, lexicon=lexicon)
        report = Report(scenario, path.name, "rules", shipped_engine.rule_base, forecast, (), odds=odds)
        data = json.loads(render_json(report))
        text, markdown = render_text(report), render_markdown(report)
        summary = text.split("\nsummary\n", 1)[1].split("\n\n", 1)[0]
        for question in data["questions"]:
            verdict = question["verdict"]
            certain = [status for status, figure in verdict["statuses"].items() if figure["low"] == figure["high"] == 1]
            if forecast is not None:
                result = forecast.question(question["id"])
                assert verdict["status"] == result.status and certain == [result.status], (path.name, question["id"])
                assert bool(verdict["conflicting"]) == (verdict["status"] == "conflict")
                assert (verdict["together"] is None) == (verdict["status"] in ("conflict", "no stance"))
                words = verdict_text(result.scale, result.verdict)
                assert f"| {question['id']} | {words} |" in markdown
                if result.stances:
                    assert squash(f"{question['id']} {words}") in squash(summary)
                    assert squash(f"verdict {words}") in squash(text)
                else:
                    assert question["id"] in summary.split("no stance:", 1)[1]
            else:  # one status only when every scenario the inputs leave open gives the same verdict
                figures = odds.question(question["id"]).statuses
                assert (verdict["status"] is None) == (certain == []), (path.name, question["id"])
                if question["stances"] or question["sources"]:
                    assert squash(f"{question['id']} {statuses_text(figures)}") in squash(summary)
                assert not verdict["conflicting"] or verdict["statuses"]["conflict"]["high"] > 0

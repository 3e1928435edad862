"""The exploring commands as a user calls them: flips, why-not, sweep, matrix, `--why-not` and `check --coverage`.

Outputs are checked against the library results they render (tests/test_explore.py
holds those to the forecast), and refused inputs against the bad-input
contract: one line on stderr, exit 2, nothing on stdout.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from engine.explore.coverage import coverage, read_suite
from engine.pipeline import Engine

Invoke = Callable[..., Result]

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
HEAVY = ROOT / "scenarios" / "heavy_fighting.yaml"
UNCERTAIN = ROOT / "scenarios" / "analyst_view.yaml"


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    assert result.stderr == ""
    return result


def refused(result: Result, *phrases: str) -> str:
    """The bad-input contract: exit 2, one line on stderr naming what is wrong, nothing on stdout."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("forecast: error: ") and result.stderr.count("\n") == 1, result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, (phrase, result.stderr)
    return result.stderr


def squash(text: str) -> str:
    return " ".join(text.split())


def cells(line: str) -> list[str]:
    """The cells of a row of a text table: apart by two spaces or more."""
    return re.split(r"\s{2,}", line.strip())


# --- flips -------------------------------------------------------------------------


def test_flips_names_the_single_changes_that_flip_russia_presence(forecast_cli: Invoke) -> None:
    """Done when: `forecast flips heavy_fighting` names deadly_clashes and kremlin_investment for russia_presence, in the verdict's words.

    junta_pays is no flip: Elischer's "could potentially increase" beside "may curtail" points both ways, a possibility
    that changes no status and favours nothing (tests/test_explore.py holds this to the forecast).
    """
    text = squash(ok(forecast_cli("flips", HEAVY, "-q", "russia_presence")).stdout)
    assert "now compatible; possible: curtail (elischer) weiss: favours not withdraw elischer: curtail possible single changes" in text
    single = text.split("single changes", 1)[1].split(" pairs ", 1)[0]
    assert (
        'deadly_clashes: 4 -> 1 (below 2, analyst.trend_from_clashes\'s "at least 2"; also below 3): elischer falls silent; '
        "verdict becomes one voice (weiss): favours not withdraw" in single
    )
    assert (
        'kremlin_investment: high -> moderate (is not high, weiss.no_pullout\'s "is high"): weiss falls silent; '
        "verdict becomes one voice (elischer): curtail possible" in single
    )
    assert "analyst now says: withdraw possible (not counted)" in single, "kremlin_investment low: the analyst's precedent speaks"
    assert "junta_pays" not in single
    assert "cruel_conduct:" not in text.split("single changes", 1)[1], "the agreements are seen broken anyway: cruelty is one cause"


def test_flips_json_and_markdown(forecast_cli: Invoke, shipped_compiled_engine: Engine) -> None:
    data = json.loads(ok(forecast_cli("flips", HEAVY, "--format", "json")).stdout)
    assert data["schema_version"] == "2.0" and data["scenario"]["variables"]["deadly_clashes"] == 4
    presence = next(question for question in data["questions"] if question["id"] == "russia_presence")
    now = presence["now"]
    assert (now["status"], now["experts"], now["favours"], now["conflicting"]) == ("compatible", ["weiss", "elischer"], None, [])
    assert now["verdict"] == "compatible; possible: curtail (elischer)"
    elischer = {
        "expert": "elischer",
        "counted": True,
        "rules": ["elischer.curtail_if_trend"],
        "favours": None,
        "possible": [["curtail"]],
        "self_conflict": False,
        "view": "curtail possible",
    }
    assert now["stances"][1] == elischer
    assert now["stances"][0]["favours"] == ["curtail", "maintain", "increase"] and now["stances"][0]["view"] == "favours not withdraw"
    clashes = next(flip for flip in presence["single"] if flip["changes"][0]["variable"] == "deadly_clashes")
    (change,) = clashes["changes"]
    assert (change["from"], change["to"], change["run"]) == (4, 1, "0 to 1")
    assert change["thresholds"][0] == {"test": "at least 2", "where": "below 2", "rules": ["analyst.trend_from_clashes"], "holds": False}
    assert clashes["stances"] == [{"expert": "elischer", "before": elischer, "after": None}]
    assert clashes["verdict_changed"] is True
    assert (clashes["after"]["status"], clashes["after"]["favours"]) == ("one voice", ["curtail", "maintain", "increase"])
    assert clashes["text"].startswith("deadly_clashes: 4 -> 1")
    assert [question["id"] for question in data["questions"]] == list(shipped_compiled_engine.vocabulary.questions)
    markdown = ok(forecast_cli("flips", HEAVY, "--format", "markdown", "-q", "russia_presence")).stdout
    assert markdown.startswith("# What flips Heavy fighting\n")
    assert (
        "## russia_presence: " in markdown
        and "Now: compatible; possible: curtail (elischer).\n\n- weiss: favours not withdraw\n" in markdown
    )
    assert "- deadly_clashes: 4 -> 1 (below 2" in markdown and "verdict becomes one voice (weiss): favours not withdraw" in markdown


def test_flips_no_pairs(forecast_cli: Invoke) -> None:
    text = ok(forecast_cli("flips", HEAVY, "--no-pairs")).stdout
    assert "  pairs" not in text and "  single changes" in text


def test_flips_writes_a_file(forecast_cli: Invoke, tmp_path: Path) -> None:
    out = tmp_path / "flips.md"
    assert ok(forecast_cli("flips", HEAVY, "-f", "markdown", "-o", out)).stdout == ""
    assert out.read_text(encoding="utf-8").startswith("# What flips")


@pytest.mark.parametrize("command", [("flips",), ("why-not", "X", "elischer.more_if_paid"), ("sweep", "X", "--vary", "junta_pays")])
def test_uncertain_scenarios_are_refused_by_the_commands_that_need_one_value(forecast_cli: Invoke, command: tuple[str, ...]) -> None:
    args = [UNCERTAIN if arg == "X" else arg for arg in command]
    if len(args) == 1:
        args.append(UNCERTAIN)
    line = refused(forecast_cli(*args), str(UNCERTAIN), "needs one value for each input", "junta_pays", "forecast new NAME --from")
    assert line.count(": ") >= 2


def test_flips_of_an_unknown_question(forecast_cli: Invoke) -> None:
    refused(forecast_cli("flips", HEAVY, "-q", "russia_presense"), "--question: unknown question 'russia_presense'", "russia_presence")


# --- why-not ----------------------------------------------------------------------------


def test_why_not_says_junta_pays_is_false(forecast_cli: Invoke) -> None:
    """Done when: `why-not heavy_fighting elischer.more_if_paid` says junta_pays is false, with the rule's quote."""
    text = ok(forecast_cli("why-not", HEAVY, "elischer.more_if_paid")).stdout
    lines = text.splitlines()
    assert lines[0] == f"In Heavy fighting  ({HEAVY.as_posix()}):"
    assert "  elischer.more_if_paid (Sebastian Elischer) did not fire" in lines
    assert "      FAILED  junta_pays is true  [scenario: junta_pays = false]" in lines
    assert "Russia could potentially increase Wagner\u2019s presence in Mali if the junta agrees to pay." in squash(text)


def test_why_not_explains_a_fact_recursively(forecast_cli: Invoke) -> None:
    text = squash(ok(forecast_cli("why-not", ROOT / "scenarios" / "quiet_north.yaml", "elischer.curtail_if_trend")).stdout)
    assert "FAILED fact fierce_fighting_trend [not derived] no rule derived fierce_fighting_trend:" in text
    assert "ASSUMPTION analyst.trend_from_clashes (Analyst) did not fire" in text
    assert "FAILED cruel_conduct is true [scenario: cruel_conduct = false]" in text


def test_why_not_of_a_rule_that_fired(forecast_cli: Invoke) -> None:
    text = ok(forecast_cli("why-not", HEAVY, "analyst.trend_from_clashes", "elischer.curtail_if_trend")).stdout
    assert "ASSUMPTION analyst.trend_from_clashes (Analyst) fired (branches 1, 2 of 2)" in text
    assert "elischer.curtail_if_trend (Sebastian Elischer) fired\n" in text
    assert "held    fact fierce_fighting_trend  [derived by analyst.trend_from_clashes]" in text


def test_why_not_json_and_markdown(forecast_cli: Invoke) -> None:
    data = json.loads(ok(forecast_cli("why-not", HEAVY, "elischer.more_if_paid", "--format", "json")).stdout)
    (why,) = data["rules"]
    assert why["fired"] is False and why["hedge"] == "could potentially" and why["rates"] == ["increase"]
    assert data["schema_version"] == "1.1"
    (condition,) = why["branches"][0]["conditions"]
    assert condition == {
        "condition": "junta_pays is true",
        "held": False,
        "variable": "junta_pays",
        "value": False,
        "fact": None,
        "derived_by": [],
        "missing": None,
    }
    markdown = ok(forecast_cli("why-not", HEAVY, "elischer.more_if_paid", "-f", "markdown")).stdout
    assert "- **failed**: junta_pays is true  \\[scenario: junta_pays = false\\]" in markdown


def test_why_not_shows_each_hedge_with_the_event_it_rates(forecast_cli: Invoke) -> None:
    """The hedge rates an event that may not be the conclusion: `concludes china_role is stays_out, P(gets_involved) "doesn't see"`."""
    rules = ("weiss.no_pullout", "weiss.junta_keeps_russia", "elischer.china_stays_out", "elischer.more_if_paid", "siegle.myths_punctured")
    text = ok(forecast_cli("why-not", HEAVY, *rules)).stdout
    lines = text.splitlines()
    assert '    concludes russia_presence is not withdraw, P(withdraw) "unlikely"' in lines
    assert '    concludes junta_protector is not drop_russia, P(drop_russia) "unlikely"' in lines
    assert '    concludes china_role is stays_out, P(gets_involved) "doesn\u2019t see"' in lines
    assert '    concludes russia_presence is increase, P(increase) "could potentially"' in lines, "no number for words that give none"
    assert "    concludes security_myth is punctured" in lines
    assert "hedged" not in text
    data = json.loads(ok(forecast_cli("why-not", HEAVY, *rules, "-f", "json")).stdout)
    said = {why["rule"]: (why["concludes"], why["hedge"], why["rates"]) for why in data["rules"]}
    assert said["weiss.no_pullout"] == ("russia_presence is not withdraw", "unlikely", ["withdraw"])
    assert said["weiss.junta_keeps_russia"] == ("junta_protector is not drop_russia", "unlikely", ["drop_russia"])
    assert said["elischer.china_stays_out"] == ("china_role is stays_out", "doesn\u2019t see", ["gets_involved"])
    assert said["siegle.myths_punctured"] == ("security_myth is punctured", None, ["punctured"])
    markdown = ok(forecast_cli("why-not", HEAVY, *rules, "-f", "markdown")).stdout.splitlines()
    assert '  - concludes russia_presence is not withdraw, P(withdraw) "unlikely"' in markdown
    assert '  - concludes junta_protector is not drop_russia, P(drop_russia) "unlikely"' in markdown
    assert '  - concludes russia_presence is increase, P(increase) "could potentially"' in markdown
    assert "  - concludes security_myth is punctured" in markdown


def test_why_not_an_unknown_rule_is_one_line_with_a_did_you_mean(forecast_cli: Invoke) -> None:
    line = refused(forecast_cli("why-not", HEAVY, "elischer.more_if_pad"))
    assert line == "forecast: error: unknown rule 'elischer.more_if_pad' (did you mean 'elischer.more_if_paid'?)\n"


def test_run_why_not_appends_the_silent_rules(forecast_cli: Invoke) -> None:
    plain = ok(forecast_cli(HEAVY)).stdout
    text = ok(forecast_cli(HEAVY, "--why-not")).stdout
    section = text.split("\nwhy not: the silent rules of experts who spoke on a question\n", 1)
    assert section[0] + "\n" == plain.split("\nexpectations:", 1)[0] + "\n"
    assert "  russia_presence:\n    elischer.more_if_paid (Sebastian Elischer) did not fire" in section[1]
    assert "FAILED  junta_pays is true  [scenario: junta_pays = false]" in section[1]
    assert section[1].rstrip().endswith("expectations: all met (3 questions)")
    markdown = ok(forecast_cli(HEAVY, "--why-not", "-f", "markdown")).stdout
    assert "\n## Why not\n" in markdown and "### russia_presence" in markdown
    data = json.loads(ok(forecast_cli(HEAVY, "--why-not", "-f", "json")).stdout)
    assert [(item["question"], item["rule"]) for item in data["why_not"]] == [("russia_presence", "elischer.more_if_paid")]
    assert "why_not" not in json.loads(ok(forecast_cli(HEAVY, "-f", "json")).stdout)


def test_run_why_not_refuses_an_uncertain_scenario(forecast_cli: Invoke) -> None:
    refused(forecast_cli(UNCERTAIN, "--why-not"), "--why-not needs one value for each input")


def test_a_plain_forecast_loads_no_exploring_module() -> None:
    """Start-up: `forecast SCENARIO` imports nothing of engine.explore; `--why-not` does."""
    code = (
        "import sys\n"
        "sys.argv = ['forecast', *sys.argv[1:]]\n"
        "from engine.console import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "watched = ('engine.explore', 'engine.render.flips', 'engine.render.whynot')\n"
        "print(sorted(name for name in sys.modules if name.startswith(watched)))\n"
    )
    env = {**os.environ}
    for extra, expected in (([], "[]"), (["--why-not"], "['engine.explore', 'engine.explore.whynot', 'engine.render.whynot']")):
        run = subprocess.run(
            [sys.executable, "-c", code, "scenarios/heavy_fighting.yaml", *extra],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert run.stdout.splitlines()[-1] == expected


# --- sweep ---------------------------------------------------------------------------


def test_sweep_of_one_variable(forecast_cli: Invoke) -> None:
    text = ok(forecast_cli("sweep", HEAVY, "--vary", "deadly_clashes")).stdout
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("question "))
    assert header.split() == ["question", "0", "to", "1", "2", "3", "to", "30", "(now", "4)"]
    row = next(line for line in lines if line.startswith("russia_presence "))
    assert row.split("  ")[0] == "russia_presence"
    assert [cell.strip() for cell in row.split("  ") if cell.strip()][1:] == ["one voice: not withdraw", "compatible", "compatible"]
    same = squash(text).split("the same across the sweep: ", 1)[1]
    assert same.startswith("wagner_assault_role one voice; junta_protector one voice: keep_russia; security_myth one voice: punctured;")


def test_sweep_grid_per_question(forecast_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "300")
    text = ok(forecast_cli("sweep", HEAVY, "--vary", "deadly_clashes,kremlin_investment", "-q", "russia_presence")).stdout
    lines = text.splitlines()
    start = lines.index("russia_presence: What will Russia do with Wagner's presence in Mali?")
    assert lines[start + 1].strip() == "kremlin_investment"
    assert lines[start + 2].split() == ["deadly_clashes", "low", "moderate", "high", "(now)"]
    assert cells(lines[start + 3]) == ["0 to 1", "no stance", "no stance", "one voice: not withdraw"], "the analyst is not counted"
    assert cells(lines[start + 4]) == ["2", "one voice", "one voice", "compatible"]
    assert "the same across" not in text, "a question asked for is drawn even where it does not change"


def test_sweep_csv_is_one_row_per_cell_and_question(forecast_cli: Invoke, shipped_compiled_engine: Engine) -> None:
    text = ok(forecast_cli("sweep", HEAVY, "--vary", "junta_pays,deadly_clashes", "--format", "csv")).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "junta_pays",
        "junta_pays_run",
        "deadly_clashes",
        "deadly_clashes_run",
        "question",
        "status",
        "favours",
        "conflicting",
        "experts",
        "verdict",
        "views",
    ]
    assert len(rows) == 2 * 3 * len(shipped_compiled_engine.vocabulary.questions)
    presence = [row for row in rows if row["question"] == "russia_presence"]
    paid = next(row for row in presence if row["junta_pays"] == "true" and row["deadly_clashes"] == "0")
    assert (paid["status"], paid["favours"], paid["conflicting"], paid["experts"]) == ("compatible", "", "", "weiss|elischer")
    assert paid["verdict"] == "compatible; possible: increase (elischer)"
    assert paid["views"] == "weiss: favours not withdraw | elischer: increase possible"
    quiet = next(row for row in presence if row["junta_pays"] == "false" and row["deadly_clashes"] == "0")
    assert (quiet["status"], quiet["favours"], quiet["experts"]) == ("one voice", "not withdraw", "weiss")


def test_sweep_markdown(forecast_cli: Invoke) -> None:
    markdown = ok(forecast_cli("sweep", HEAVY, "--vary", "kremlin_investment", "-f", "markdown")).stdout
    assert "| question \\ kremlin_investment | low | moderate | high (now) |" in markdown


@pytest.mark.parametrize(
    ("vary", "phrase"),
    [
        ("deadly_clash", "--vary: unknown variable 'deadly_clash' (did you mean 'deadly_clashes'?)"),
        ("a,b,c", "--vary: unknown variable 'a'"),
    ],
)
def test_sweep_bad_variables(forecast_cli: Invoke, vary: str, phrase: str) -> None:
    refused(forecast_cli("sweep", HEAVY, "--vary", vary), phrase)


def test_sweep_plot_is_deterministic(forecast_cli: Invoke, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    drawn = []
    for name in ("one.svg", "two.svg", "one.png", "two.png"):
        text = ok(forecast_cli("sweep", HEAVY, "--vary", "deadly_clashes,kremlin_investment", "--plot", tmp_path / name)).stdout
        assert text.startswith("Sweep of Heavy fighting")
        drawn.append((tmp_path / name).read_bytes())
    assert drawn[0] == drawn[1] and drawn[2] == drawn[3]
    assert drawn[0].lstrip().startswith(b"<?xml") and b"<svg" in drawn[0] and b"russia_presence" not in drawn[0][:0]
    assert drawn[2].startswith(b"\x89PNG")
    one = ok(forecast_cli("sweep", HEAVY, "--vary", "heavy_losses", "--plot", tmp_path / "strip.svg"))
    assert one.stdout and (tmp_path / "strip.svg").stat().st_size > 1000


def test_sweep_plot_of_another_kind_is_refused(forecast_cli: Invoke, tmp_path: Path) -> None:
    refused(forecast_cli("sweep", HEAVY, "--vary", "junta_pays", "--plot", tmp_path / "grid.pdf"), "--plot", "name a .svg or .png file")
    assert not (tmp_path / "grid.pdf").exists()


def test_sweep_plot_without_matplotlib_says_how_to_install(forecast_cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # what a missing package looks like to an import
    result = forecast_cli("sweep", HEAVY, "--vary", "junta_pays", "--plot", tmp_path / "grid.svg")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "forecast: --plot needs matplotlib, which is not installed: pip install '.[plot]'\n"


# --- matrix ---------------------------------------------------------------------------


def test_matrix_of_one_scenario_is_experts_by_questions(forecast_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "1000")
    text = ok(forecast_cli("matrix", HEAVY)).stdout
    lines = text.splitlines()
    assert lines[0] == f"Heavy fighting  ({HEAVY.as_posix()})"
    assert lines[1].split() == ["expert", "russia_presence", *(question for question in lines[1].split()[2:])]
    weiss = next(line for line in lines if line.startswith("weiss"))
    assert (
        'P(withdraw) 20-45% "unlikely" -> favours not withdraw  not spearhead possible ("may")  '
        'P(drop_russia) 20-45% "unlikely" -> favours keep_russia'
    ) in weiss
    elischer = next(line for line in lines if line.startswith("elischer"))
    assert 'curtail possible ("may")' in elischer
    assert 'P(crumbles) 95-99% "inevitably" (analyst\'s reading) -> favours crumbles' in elischer
    experts = [cells(line)[0] for line in lines[2:]]
    assert "siegle" in experts and "analyst" not in experts, "the analyst speaks on no question here"


def test_matrix_text_goes_in_blocks_when_too_wide(forecast_cli: Invoke) -> None:
    text = ok(forecast_cli("matrix", HEAVY)).stdout
    assert all(len(line) <= 100 for line in text.splitlines())
    assert text.count("\nexpert ") >= 2, "the questions that do not fit continue below, the experts repeated"


def test_matrix_of_several_scenarios_is_scenarios_by_questions(forecast_cli: Invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    text = ok(forecast_cli("matrix", *SCENARIOS, "-q", "russia_presence", "-q", "junta_propaganda")).stdout
    rows = {cells(line)[0]: cells(line)[1:] for line in text.splitlines()[1:] if line.startswith(str(ROOT))}
    assert rows[HEAVY.as_posix()][0] == "compatible" and rows[HEAVY.as_posix()][-1] == "one voice: crumbles"
    assert rows[(ROOT / "scenarios" / "pays_and_fighting.yaml").as_posix()][0] == "compatible", "points both ways: no conflict"
    assert rows[(ROOT / "scenarios" / "article_baseline.yaml").as_posix()][0] == "one voice: not withdraw"
    assert rows[UNCERTAIN.as_posix()][0].startswith("no stance ") and "compatible " in rows[UNCERTAIN.as_posix()][0]


def test_matrix_one_experts_stances_and_csv(forecast_cli: Invoke) -> None:
    text = ok(forecast_cli("matrix", HEAVY, ROOT / "scenarios" / "junta_pays.yaml", "--expert", "elischer", "--format", "csv")).stdout
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["scenario", "russia_presence"]
    assert rows[1][1] == 'curtail possible ("may")' and rows[2][1] == 'increase possible ("could potentially")'
    by_expert = list(csv.reader(io.StringIO(ok(forecast_cli("matrix", HEAVY, "--by", "expert", "-f", "csv")).stdout)))
    assert by_expert[0][:3] == ["scenario", "expert", "russia_presence"]
    assert by_expert[1][1:3] == ["weiss", 'P(withdraw) 20-45% "unlikely" -> favours not withdraw']
    by_scenario = list(csv.reader(io.StringIO(ok(forecast_cli("matrix", HEAVY, UNCERTAIN, "-f", "csv")).stdout)))
    assert by_scenario[0][:3] == ["scenario", "russia_presence", "wagner_assault_role"]
    assert by_scenario[1][1:3] == ["compatible", "one voice"] and by_scenario[2][1].startswith("no stance ")


def test_matrix_markdown(forecast_cli: Invoke) -> None:
    markdown = ok(forecast_cli("matrix", HEAVY, "-f", "markdown")).stdout
    assert markdown.startswith("# Stance matrix\n") and '| elischer | curtail possible ("may") |' in markdown
    assert '| weiss | P(withdraw) 20-45% "unlikely" -> favours not withdraw |' in markdown


def test_matrix_bad_expert(forecast_cli: Invoke) -> None:
    refused(forecast_cli("matrix", HEAVY, "--expert", "elisher"), "--expert: unknown expert 'elisher' (did you mean 'elischer'?)")


# --- check --coverage -------------------------------------------------------------------


def test_check_coverage_passes_at_100_percent_on_the_shipped_suite(forecast_cli: Invoke, shipped_compiled_engine: Engine) -> None:
    """Done when: `forecast check --coverage` passes at 100% of rules on the shipped suite."""
    text = ok(forecast_cli("check", "--rules", ROOT / "rules", "--coverage", "--min-coverage", "100")).stdout
    rules = len(shipped_compiled_engine.rule_base.rules)
    assert f"  rules     {rules} of {rules} fire (100%)" in text
    assert "100% of rules fire: at or above the minimum of 100%" in text
    never = squash(text.split("outcomes no claim ever addresses", 1)[1])
    assert "wagner_assault_role: spearhead" in never and "russia_presence" not in never, "a number gives every outcome a range"
    assert "russia_presence: withdraw" not in never, "Weiss gives the pull-out a range: it is addressed"
    assert "never forecast" not in text
    found = coverage(shipped_compiled_engine, read_suite(shipped_compiled_engine, SCENARIOS))
    addressable = len(found.addressable_outcomes)
    assert f"  outcomes  {addressable} of {addressable} addressable outcomes addressed (100%)" in text


def test_min_coverage_fails_below_the_threshold(forecast_cli: Invoke, shipped_compiled_engine: Engine) -> None:
    result = forecast_cli("check", "--rules", ROOT / "rules", HEAVY, "--min-coverage", "95")
    assert result.exit_code == 1 and result.stderr == ""
    found = coverage(shipped_compiled_engine, read_suite(shipped_compiled_engine, [HEAVY]))
    assert "rules that never fire:\n    analyst.mozambique_precedent" in result.stdout
    assert "branches that hold only beside another of their rule's:" in result.stdout
    assert "of rules fire: below the minimum of 95%" in result.stdout and found.rule_percent < 95
    data = json.loads(forecast_cli("check", "--rules", ROOT / "rules", HEAVY, "--min-coverage", "95", "-f", "json").stdout)
    assert data["ok"] is False and data["coverage"]["ok"] is False and data["coverage"]["minimum"] == 95
    assert data["coverage"]["rule_percent"] == pytest.approx(found.rule_percent)


def test_check_coverage_json(forecast_cli: Invoke) -> None:
    data = json.loads(ok(forecast_cli("check", "--rules", ROOT / "rules", "--coverage", "-f", "json")).stdout)
    cover = data["coverage"]
    assert cover["rule_percent"] == 100 and cover["minimum"] is None and cover["ok"] is True
    assert {item["file"] for item in cover["scenarios"]} == {path.relative_to(ROOT).as_posix() for path in SCENARIOS} or len(
        cover["scenarios"]
    ) == len(SCENARIOS)
    uncertain = next(item for item in cover["scenarios"] if item["file"].endswith("analyst_view.yaml"))
    assert uncertain["certain"] is False and uncertain["classes"] > 1
    outcomes = {(item["question"], item["outcome"]): item for item in cover["outcomes"]}
    withdraw = outcomes[("russia_presence", "withdraw")]
    assert set(withdraw) == {"question", "outcome", "addressed_in", "addressable"} and withdraw["addressable"] is True
    assert any(path.endswith("scenarios/heavy_fighting.yaml") for path in withdraw["addressed_in"])
    assert outcomes[("wagner_assault_role", "spearhead")] == {
        "question": "wagner_assault_role",
        "outcome": "spearhead",
        "addressed_in": [],
        "addressable": False,
    }
    assert "coverage" not in json.loads(ok(forecast_cli("check", "--rules", ROOT / "rules", "-f", "json")).stdout)


# --- one verdict, one wording ---------------------------------------------------------


def _said(text: str) -> tuple[str, str | None]:
    """The status and what is favoured (or who conflicts) in a summary line or a table cell, as engine.render.verdicts words them.

    Summary lines: `agree on X`, `one voice (e): favours X; ...`, `compatible; possible: ...`, `conflict: a vs b`,
    `no stance`. Cells: `agree: X`, `one voice: X`, `one voice`, `compatible`, `conflict (a, b)`, `no stance`.
    """
    head = re.sub(r" \(reported apart, not counted: [^)]*\)$", "", text).split("; ", 1)[0]
    if head.startswith("conflict"):
        return "conflict", ", ".join(re.split(r", | vs ", head.removeprefix("conflict").strip(" :()")))
    if head.startswith("agree"):
        return "agree", head.removeprefix("agree on ").removeprefix("agree: ")
    if head.startswith("one voice"):
        favours = re.search(r"(?:: favours |^one voice: )(.+)$", head)
        return "one voice", favours.group(1) if favours else None
    assert head in ("compatible", "no stance"), text
    return head, None


def test_the_forecast_summary_the_matrix_cell_and_the_sweep_cell_say_the_same(
    forecast_cli: Invoke, shipped_compiled_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For every shipped scenario and question, the same status and favoured event (or the same conflict) in three commands.

    Each is held to the forecast's JSON verdict; an uncertain scenario's summary line and matrix cell are the same chances.
    """
    from engine.render.verdicts import event_name

    monkeypatch.setenv("COLUMNS", "1000")
    questions = list(shipped_compiled_engine.vocabulary.questions)
    matrix = list(csv.DictReader(io.StringIO(ok(forecast_cli("matrix", *SCENARIOS, "--by", "scenario", "-f", "csv")).stdout)))
    assert [row["scenario"] for row in matrix] == [path.as_posix() for path in SCENARIOS]
    first = next(iter(shipped_compiled_engine.vocabulary.variables))
    checked = 0
    for path, cells_of in zip(SCENARIOS, matrix, strict=True):
        brief = ok(forecast_cli(path, "--brief")).stdout.splitlines()
        start = brief.index("summary") + 1
        summary = dict(cells(line) for line in brief[start : brief.index("", start)] if not line.strip().startswith("no stance:"))
        data = json.loads(ok(forecast_cli(path, "-f", "json")).stdout)
        verdicts = {question["id"]: question["verdict"] for question in data["questions"]}
        certain = shipped_compiled_engine.read_scenario(path).certain
        sweep: dict[str, str] = {}
        if certain:
            text = ok(forecast_cli("sweep", path, "--vary", first, *(arg for q in questions for arg in ("-q", q)))).stdout
            table = [cells(line) for line in text.splitlines() if line and not line.startswith((" ", "Sweep", "held"))]
            now = next(index for index, heading in enumerate(table[1]) if "(now" in heading)
            sweep = {row[0]: row[now] for row in table[2:]}
        for question in questions:
            if question not in summary:
                assert verdicts[question]["status"] == "no stance" or not certain
                continue
            if not certain:
                assert summary[question] == cells_of[question], (path.name, question)
                continue
            verdict = verdicts[question]
            scale = shipped_compiled_engine.vocabulary.questions[question].outcomes
            if verdict["status"] == "conflict":
                expected = (verdict["status"], ", ".join(verdict["conflicting"]))
            else:
                named = event_name(scale, verdict["favours"]) if verdict["favours"] is not None else None
                expected = (verdict["status"], named)
            assert _said(summary[question]) == _said(cells_of[question]) == _said(sweep[question]) == expected, (path.name, question)
            checked += 1
    assert checked >= 60, "every question of every certain scenario"


def test_the_plot_colours_each_status_with_its_favoured_event(shipped_compiled_engine: Engine) -> None:
    """One voice favouring not withdraw and one voice favouring nothing get two colours; no stance is grey (no matplotlib needed)."""
    from engine.explore.sweep import sweep
    from engine.render.plot import PALETTE, SILENT, _colours

    values = dict(shipped_compiled_engine.read_scenario(HEAVY).values)
    (question,) = sweep(shipped_compiled_engine, values, ["deadly_clashes", "kremlin_investment"], ["russia_presence"]).questions
    colours = _colours(question)
    assert colours == {
        ("no stance",): SILENT,
        ("one voice", "curtail", "maintain", "increase"): PALETTE[0],
        ("one voice",): PALETTE[1],
        ("compatible",): PALETTE[2],
    }

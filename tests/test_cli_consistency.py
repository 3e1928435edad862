"""`forecast check --consistency` end to end, as an analyst uses it."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from conftest import Invoke

from engine.parallel import POOL_PAYS, auto_jobs


@pytest.fixture(scope="module")
def without_declaration(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped rule base whose checks.yaml accepts nothing."""
    root = Path(__file__).resolve().parent.parent
    copy = tmp_path_factory.mktemp("undeclared")
    shutil.copytree(root / "rules", copy / "rules")
    shutil.copytree(root / "seeds", copy / "seeds")
    checks = copy / "rules" / "checks.yaml"
    text = checks.read_text(encoding="utf-8")
    checks.write_text(text[: text.index("\naccepted:") + 1], encoding="utf-8")
    return copy / "rules"


def test_shipped_rule_base_passes_with_its_known_clash(forecast_cli: Invoke, repo_root: Path) -> None:
    result = forecast_cli("check", "--consistency", "--rules", repo_root / "rules")
    assert result.exit_code == 0, result.output
    assert "exhaustive, 1,152 scenarios tried" in result.stdout
    assert "known self-conflict: elischer on russia_presence (literal)" in result.stdout
    assert "accepted as elischer_pay_or_curtail" in result.stdout
    assert "info  points-both-ways: elischer on russia_presence (icd203)" in result.stdout, "an observation, not a failure"
    assert "PASSED: nothing to fix (1 accepted, 2 informational)" in result.stdout


def test_removing_the_declaration_fails_with_the_smallest_counterexample(
    forecast_cli: Invoke, without_declaration: Path, tmp_path: Path
) -> None:
    out = tmp_path / "counterexamples"
    result = forecast_cli("check", "--consistency", "--rules", without_declaration, "--write-counterexamples", out)
    assert result.exit_code == 1, result.output
    assert "FAIL  self-conflict: elischer on russia_presence (literal)" in result.stdout
    assert "smallest scenario: junta_pays=true, deadly_clashes=3, every other variable at its" in result.stdout
    written = sorted(out.glob("*.yaml"))
    clash = next(path for path in written if "self-conflict-elischer" in path.name)
    assert clash.name == "01-self-conflict-elischer-on-russia-presence-literal.yaml"
    options = ("--rules", without_declaration, "--format", "json", "-q", "russia_presence")
    shown = forecast_cli("run", clash, *options, "--lexicon", "literal")  # as the file's header says to run it
    assert shown.exit_code == 0, shown.output
    question = json.loads(shown.stdout)["questions"][0]
    assert question["verdict"]["status"] == "conflict" and question["verdict"]["conflicting"] == ["elischer"]
    elischer = next(stance for stance in question["stances"] if stance["expert"] == "elischer")
    assert elischer["status"] == "self-conflict"
    assert elischer["rules"] == ["elischer.curtail_if_trend", "elischer.more_if_paid"]


def test_json_report_says_what_failed(forecast_cli: Invoke, without_declaration: Path) -> None:
    result = forecast_cli("check", "--consistency", "--format", "json", "--rules", without_declaration)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["problems"] == []
    report = data["consistency"]
    assert report["failed"] is True and report["method"] == "exhaustive"
    failing = [finding for finding in report["findings"] if finding["status"] == "failing"]
    assert [(finding["kind"], finding["lexicon"]) for finding in failing] == [("self-conflict", "literal")]


def test_consistency_is_not_run_on_a_rule_base_with_problems(forecast_cli: Invoke, without_declaration: Path, tmp_path: Path) -> None:
    broken = tmp_path / "rules"
    shutil.copytree(without_declaration, broken)
    shutil.copytree(without_declaration.parent / "seeds", tmp_path / "seeds")
    rule_file = broken / "weiss.yaml"
    rule_file.write_text(rule_file.read_text(encoding="utf-8").replace("var: heavy_losses", "var: heavy_loses", 1), encoding="utf-8")
    result = forecast_cli("check", "--consistency", "--rules", broken)
    assert result.exit_code == 1
    assert "did you mean 'heavy_losses'?" in result.stdout
    assert "Consistency check" not in result.stdout


def test_a_forecast_says_a_self_conflict_is_accepted_and_why(
    forecast_cli: Invoke, repo_root: Path, without_declaration: Path, tmp_path: Path
) -> None:
    """Read with literal, the forecast shows checks.yaml's acceptance beside the self-conflict, in text and Markdown; without it, nothing.

    Read with the default lexicon the same scenario has no self-conflict (Elischer only points both ways), so nothing is accepted.
    """
    shipped = (repo_root / "scenarios" / "pays_and_fighting.yaml").read_text(encoding="utf-8")
    scenario = tmp_path / "pays_and_fighting.yaml"  # its expectations are the default lexicon's
    scenario.write_text(shipped[: shipped.index("\nexpect:") + 1], encoding="utf-8")
    default = forecast_cli(scenario, "--rules", repo_root / "rules", "--format", "json")
    assert default.exit_code == 0, default.output
    assert all(
        stance["status"] != "self-conflict" and stance["accepted"] is None
        for stance in json.loads(default.stdout)["questions"][0]["stances"]
    )
    literal = ("--lexicon", "literal")
    text = forecast_cli(scenario, "--rules", repo_root / "rules", *literal)
    assert text.exit_code == 0, text.output
    lines = text.stdout.splitlines()
    clash = next(index for index, line in enumerate(lines) if "SELF-CONFLICT, reported, not resolved" in line)
    accepted = " ".join(" ".join(lines[clash + 2 : clash + 5]).split())
    assert accepted.startswith("accepted in checks.yaml as elischer_pay_or_curtail: Elischer says Russia could increase its presence")
    assert accepted.endswith("the article does not say which wins when both happen.")
    markdown = forecast_cli(scenario, "--rules", repo_root / "rules", "--format", "markdown", *literal).stdout
    assert "Sebastian Elischer's self-conflict is accepted in checks.yaml as `elischer_pay_or_curtail`: Elischer says" in markdown

    data = json.loads(forecast_cli(scenario, "--rules", repo_root / "rules", "--format", "json", *literal).stdout)
    stances = {stance["expert"]: stance for stance in data["questions"][0]["stances"]}
    assert stances["elischer"]["status"] == "self-conflict"
    assert stances["elischer"]["accepted"]["name"] == "elischer_pay_or_curtail"
    assert stances["elischer"]["accepted"]["reason"].endswith("the article does not say which wins when both happen.")
    assert stances["weiss"]["accepted"] is None

    bare = forecast_cli(scenario, "--rules", without_declaration, *literal)
    assert "SELF-CONFLICT, reported, not resolved" in bare.stdout
    assert "accepted in checks.yaml" not in bare.stdout
    bare_data = json.loads(forecast_cli(scenario, "--rules", without_declaration, "--format", "json", *literal).stdout)
    assert all(stance["accepted"] is None for question in bare_data["questions"] for stance in question["stances"])


def test_more_jobs_give_the_same_report(forecast_cli: Invoke, without_declaration: Path) -> None:
    """`--jobs 2` searches in two worker processes: the same report, byte for byte, in text and JSON."""
    for fmt in ("text", "json"):
        one = forecast_cli("check", "--consistency", "--rules", without_declaration, "--format", fmt)
        two = forecast_cli("check", "--consistency", "--rules", without_declaration, "--format", fmt, "--jobs", "2")
        assert one.exit_code == two.exit_code == 1
        assert one.stdout == two.stdout and "exhaustive" in one.stdout


def test_jobs_need_the_consistency_check(forecast_cli: Invoke) -> None:
    for jobs in ("2", "1"):
        result = forecast_cli("check", "--jobs", jobs)
        assert result.exit_code == 2
        assert "--jobs needs --consistency" in result.stderr


@pytest.mark.parametrize(
    ("classes", "cores", "jobs"), [(576, 2, 1), (POOL_PAYS - 1, 16, 1), (POOL_PAYS, 2, 0), (POOL_PAYS, 1, 1), (10**6, None, 1)]
)
def test_workers_by_default_only_for_a_space_big_enough_to_pay_for_them(
    classes: int, cores: int | None, jobs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --jobs: one process below POOL_PAYS classes or on one core (or an unknown count), one per core (0) from it on."""
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    assert auto_jobs(classes) == jobs


def test_the_default_jobs_rule_is_in_the_help(forecast_cli: Invoke) -> None:
    help_text = " ".join(forecast_cli("check", "--help").stdout.split())
    assert "[default: one per core for an exhaustive search of 500,000 classes or more" in help_text
    assert f"{POOL_PAYS:,}" in help_text


# --- checks.yaml written for 1.x, and `forecast migrate` ----------------------------------------------

OLD_KIND = "probabilistic-self-conflict"


@pytest.fixture
def old_base(tmp_path: Path, repo_root: Path) -> Path:
    """A copy of the shipped base (rules, seeds, scenarios) whose acceptance is written as 1.x wrote a likelihood clash."""
    for folder in ("rules", "seeds", "scenarios"):
        shutil.copytree(repo_root / folder, tmp_path / folder)
    checks = tmp_path / "rules" / "checks.yaml"
    text = checks.read_text(encoding="utf-8")
    checks.write_text(text.replace("    kind: self-conflict\n    lexicon: literal\n", f"    kind: {OLD_KIND}\n"), encoding="utf-8")
    return tmp_path


def test_an_old_kind_in_checks_yaml_is_one_located_line_naming_the_new_one(forecast_cli: Invoke, old_base: Path) -> None:
    checks = old_base / "rules" / "checks.yaml"
    line = checks.read_text(encoding="utf-8").splitlines().index(f"    kind: {OLD_KIND}") + 1
    result = forecast_cli(old_base / "scenarios" / "junta_pays.yaml", "--rules", old_base / "rules")
    assert result.exit_code == 2 and result.stdout == ""
    [message] = result.stderr.splitlines()
    assert message.startswith(f"forecast: error: {checks}:{line}:5: accepted[0].kind: '{OLD_KIND}' is a 1.x kind: write 'self-conflict'")
    assert message.endswith("(run `forecast migrate` to rewrite old files)")


def test_an_unknown_lexicon_in_an_acceptance_is_located(forecast_cli: Invoke, old_base: Path) -> None:
    checks = old_base / "rules" / "checks.yaml"
    checks.write_text(checks.read_text(encoding="utf-8").replace(f"kind: {OLD_KIND}\n", "kind: self-conflict\n    lexicon: litteral\n"))
    result = forecast_cli("check", "--rules", old_base / "rules")
    assert result.exit_code == 1
    assert "accepted[0].lexicon: unknown lexicon 'litteral'" in result.stdout and "did you mean 'literal'?" in result.stdout
    dead = "  - name: kept\n    kind: dead-rule\n    rule: weiss.no_pullout\n    lexicon: literal\n    reason: a test\n"
    checks.write_text(checks.read_text(encoding="utf-8").replace("lexicon: litteral", "lexicon: literal") + dead, encoding="utf-8")
    result = forecast_cli("check", "--rules", old_base / "rules")
    assert result.exit_code == 1
    assert "accepted[1].lexicon: 'lexicon' names the reading of a self-conflict, not of a dead-rule (remove it)" in result.stdout


def test_migrate_rewrites_an_old_kind_atomically_says_so_and_changes_nothing_the_second_time(forecast_cli: Invoke, old_base: Path) -> None:
    checks = old_base / "rules" / "checks.yaml"
    before = checks.read_text(encoding="utf-8")
    dry = forecast_cli("migrate", old_base, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert checks.read_text(encoding="utf-8") == before, "a dry run writes nothing"
    result = forecast_cli("migrate", old_base)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"{checks}:",
        f"  accepted elischer_pay_or_curtail: kind {OLD_KIND} -> kind self-conflict, under any lexicon ('lexicon:' names one)",
        "migrated 1 file",
    ]
    assert dry.stdout == result.stdout.replace("migrated 1 file", "would migrate 1 file")
    after = checks.read_text(encoding="utf-8")
    assert after == before.replace(f"kind: {OLD_KIND}", "kind: self-conflict"), "only that value changes: comments and order stay"
    assert not [path.name for path in checks.parent.iterdir() if path.name.startswith(".")], "no temporary file is left"
    again = forecast_cli("migrate", old_base)
    assert again.exit_code == 0 and again.stdout == "migrated 0 files: all current\n"
    assert checks.read_text(encoding="utf-8") == after
    # Accepted under any lexicon, as the old entry was: the literal clash is known, and the check passes.
    check = forecast_cli("check", "--consistency", "--rules", old_base / "rules")
    assert check.exit_code == 0, check.output
    assert "known self-conflict: elischer on russia_presence (literal)" in check.stdout


def test_migrate_with_old_checks_and_old_scenarios_checks_every_file_before_writing_any(forecast_cli: Invoke, old_base: Path) -> None:
    """The rule base is opened as it will be (its checks migrated, in a scratch copy); a bad scenario leaves every file as it was."""
    checks = old_base / "rules" / "checks.yaml"
    before = checks.read_text(encoding="utf-8")
    scenario = old_base / "scenarios" / "junta_pays.yaml"
    text = scenario.read_text(encoding="utf-8")
    old = text[: text.index("\nexpect:")] + "\nexpect:\n  russia_presence:\n    status: consensus\n"
    scenario.write_text(old, encoding="utf-8")
    planned = forecast_cli("migrate", old_base, "--dry-run")
    assert planned.exit_code == 0, planned.output
    assert f"{checks}:" in planned.stdout and f"{scenario}:" in planned.stdout and "would migrate 2 files" in planned.stdout
    broken = old.replace("  junta_pays: true", "  junta_pays: 7", 1)
    assert broken != old
    scenario.write_text(broken, encoding="utf-8")
    failed = forecast_cli("migrate", old_base)
    assert failed.exit_code == 2 and str(scenario) in failed.stderr
    assert checks.read_text(encoding="utf-8") == before and scenario.read_text(encoding="utf-8") == broken

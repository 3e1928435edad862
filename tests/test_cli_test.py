"""`forecast test`: every scenario's expectations run, PASS or FAIL a scenario, `N passed, M failed` last."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Invoke

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))


def _planted(tmp_path: Path) -> Path:
    """heavy_fighting with one wrong expectation: russia_presence is compatible there, not agree."""
    text = (ROOT / "scenarios" / "heavy_fighting.yaml").read_text(encoding="utf-8")
    wrong = text.replace("  russia_presence:\n    status: compatible\n", "  russia_presence:\n    status: agree\n")
    assert wrong != text
    path = tmp_path / "planted.yaml"
    path.write_text(wrong, encoding="utf-8")
    return path


def test_the_shipped_scenarios_all_pass(forecast_cli: Invoke) -> None:
    result = forecast_cli("test", "--rules", ROOT / "rules")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{len(SHIPPED)} passed, 0 failed"
    assert [line.split()[0] for line in lines[:-1]] == ["PASS"] * len(SHIPPED)
    assert [line.split()[1] for line in lines[:-1]] == [path.as_posix() for path in SHIPPED]
    assert "batch" not in result.stdout


def test_a_planted_wrong_expectation_fails_and_is_named(forecast_cli: Invoke, tmp_path: Path) -> None:
    planted = _planted(tmp_path)
    result = forecast_cli("test", "--rules", ROOT / "rules", ROOT / "scenarios" / "junta_pays.yaml", planted)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"PASS {(ROOT / 'scenarios' / 'junta_pays.yaml').as_posix()} (The junta agrees to pay)",
        f"FAIL {planted.as_posix()} (Heavy fighting)",
        "  russia_presence.status: expected agree, got compatible",
        "1 passed, 1 failed",
    ]


def test_k_picks_by_substring_of_the_stem_or_name_or_by_glob(forecast_cli: Invoke) -> None:
    def run(pattern: str) -> list[str]:
        result = forecast_cli("test", "--rules", ROOT / "rules", "-k", pattern)
        assert result.exit_code == 0, result.output
        return [Path(line.split()[1]).stem for line in result.stdout.splitlines()[:-1]]

    assert run("HEAVY") == ["heavy_fighting"]
    assert run("goes on") == ["reinforced_fighting"]  # the name: "Reinforced, and the fighting goes on"
    assert run("*_north") == ["quiet_north"]
    assert run("*fighting") == ["heavy_fighting", "pays_and_fighting", "reinforced_fighting"]  # a glob matches the whole stem or name
    assert forecast_cli("test", "--rules", ROOT / "rules", "-k", "nothing-like-this").stdout == "0 passed, 0 failed\n"


def test_json_shape(forecast_cli: Invoke, tmp_path: Path) -> None:
    planted = _planted(tmp_path)
    result = forecast_cli("test", "--rules", ROOT / "rules", "--format", "json", ROOT / "scenarios" / "heavy_fighting.yaml", planted)
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert list(document) == ["schema_version", "scenarios", "passed", "failed"]
    assert document["schema_version"] == "1.0"
    assert (document["passed"], document["failed"]) == (1, 1)
    good, bad = document["scenarios"]
    assert good == {
        "file": (ROOT / "scenarios" / "heavy_fighting.yaml").as_posix(),
        "name": "Heavy fighting",
        "passed": True,
        "expectations": 6,
        "unmet": [],
    }
    assert bad["passed"] is False
    assert bad["unmet"] == [
        {
            "question": "russia_presence",
            "field": "status",
            "expected": "agree",
            "actual": "compatible",
            "text": "russia_presence.status: expected agree, got compatible",
        }
    ]


def test_an_uncertain_scenario_checks_its_pinned_figures(forecast_cli: Invoke, tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "analyst_view.yaml").read_text(encoding="utf-8")
    wrong = text.replace("weiss: {withdraw: [0.16, 0.56]}", "weiss: {withdraw: [0.16, 0.6]}")
    assert wrong != text
    path = tmp_path / "analyst.yaml"
    path.write_text(wrong, encoding="utf-8")
    result = forecast_cli("test", "--rules", ROOT / "rules", path)
    assert result.exit_code == 1
    assert "  russia_presence.bounds.weiss.withdraw: expected [0.16, 0.6], got [0.16, 0.56]" in result.stdout.splitlines()


def test_the_lexicon_passes_through(forecast_cli: Invoke) -> None:
    """Under literal the pinned figures cannot be read: the same located refusal `forecast SCENARIO --lexicon literal` gives."""
    result = forecast_cli("test", "--rules", ROOT / "rules", "--lexicon", "literal", ROOT / "scenarios" / "analyst_view.yaml")
    run = forecast_cli("--rules", ROOT / "rules", "--lexicon", "literal", ROOT / "scenarios" / "analyst_view.yaml")
    assert result.exit_code == run.exit_code == 2
    assert result.stderr == run.stderr


def test_check_points_to_test(forecast_cli: Invoke) -> None:
    result = forecast_cli("check", "--rules", ROOT / "rules", ROOT / "scenarios" / "heavy_fighting.yaml")
    assert result.stdout.splitlines()[1] == "1 scenario with expectations: run `forecast test` to check them"

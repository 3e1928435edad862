"""`forecast migrate`: a rule base written for forecast 1.x comes through it and then passes `check` and every expectation.

tests/fixtures/v1 is the shipped knowledge base as forecast 1.x had it
(rules, seed and scenarios, their `expect:` pinning the set verdict with
`outcome`, `stances` and `consensus`): the base a user of 1.x holds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import Invoke

V1 = Path(__file__).resolve().parent / "fixtures" / "v1"


def test_a_1x_base_comes_through_migrate_then_passes_check_and_every_expectation(forecast_cli: Invoke, tmp_path: Path) -> None:
    base = tmp_path / "base"
    shutil.copytree(V1, base)
    scenarios = sorted((base / "scenarios").glob("*.yaml"))
    old = {path.name: path.read_text(encoding="utf-8") for path in scenarios}
    assert any("outcome:" in text or "consensus" in text for text in old.values()), "the fixture is 1.x"

    refused = forecast_cli(base / "scenarios" / "heavy_fighting.yaml", "--rules", base / "rules")
    assert refused.exit_code == 2 and "is a 1.x expectation" in refused.stderr and "forecast migrate" in refused.stderr

    dry = forecast_cli("migrate", base, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert {path.name: path.read_text(encoding="utf-8") for path in scenarios} == old, "a dry run changes nothing"

    migrated = forecast_cli("migrate", base)
    assert migrated.exit_code == 0, migrated.output
    assert migrated.stdout == dry.stdout.replace("would migrate", "migrated")
    assert "heavy_fighting.yaml:\n  russia_presence: outcome [curtail], status compatible, stances" in migrated.stdout
    for path in scenarios:
        text = path.read_text(encoding="utf-8")
        assert "outcome:" not in text and "stances:" not in text and "consensus" not in text and "no-stance" not in text, path.name
        assert text.split("\nexpect:", 1)[0] == old[path.name].split("\nexpect:", 1)[0], "every line before expect: kept"

    again = forecast_cli("migrate", base)
    assert again.exit_code == 0 and again.stdout.endswith("migrated 0 files: all current\n")

    checked = forecast_cli("check", "--rules", base / "rules")
    assert checked.exit_code == 0, checked.output
    for path in scenarios:
        result = forecast_cli(path, "--rules", base / "rules")
        assert result.exit_code == 0, (path.name, result.output)
        assert "expectations: all met" in result.stdout or "expect:" not in path.read_text(encoding="utf-8")

"""Without --rules, a scenario's rule base is found from its folder upwards, else FORECAST_RULES, else ./rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import Invoke

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped base, with heavy_fighting also in a nested folder of its scenarios."""
    root = tmp_path_factory.mktemp("base")
    for folder in ("rules", "seeds", "scenarios"):
        shutil.copytree(ROOT / folder, root / folder)
    nested = root / "scenarios" / "north" / "kidal"
    nested.mkdir(parents=True)
    shutil.copy(ROOT / "scenarios" / "heavy_fighting.yaml", nested / "deep.yaml")
    return root


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, with no rules/ in it and FORECAST_RULES unset."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORECAST_RULES", raising=False)
    return tmp_path


def test_a_nested_scenario_finds_its_base_from_another_directory(forecast_cli: Invoke, base: Path, elsewhere: Path) -> None:
    scenario = base / "scenarios" / "north" / "kidal" / "deep.yaml"
    found = forecast_cli(scenario, "--format", "json")
    given = forecast_cli(scenario, "--format", "json", "--rules", base / "rules")
    assert found.exit_code == 0, found.output
    assert found.stdout == given.stdout
    assert f'"directory": "{(base / "rules").as_posix()}"' in found.stdout
    for command in (("flips", scenario), ("why-not", scenario, "weiss.no_pullout"), ("matrix", scenario), ("test", scenario)):
        assert forecast_cli(*command).exit_code == 0, command
    table = forecast_cli("batch", base / "scenarios" / "batch" / "example.csv")
    assert table.exit_code == 0, table.output


def test_forecast_rules_names_the_base_when_none_is_above(
    forecast_cli: Invoke, base: Path, elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loose = elsewhere / "loose.yaml"
    shutil.copy(ROOT / "scenarios" / "heavy_fighting.yaml", loose)
    monkeypatch.setenv("FORECAST_RULES", str(base / "rules"))
    result = forecast_cli(loose, "--brief")
    assert result.exit_code == 0, result.output
    assert "russia_presence" in result.stdout


def test_forecast_test_without_files_runs_the_base_scenarios_recursively(
    forecast_cli: Invoke, base: Path, elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORECAST_RULES", str(base / "rules"))
    result = forecast_cli("test")
    assert result.exit_code == 0, result.output
    shipped = len(list((ROOT / "scenarios").glob("*.yaml")))
    assert result.stdout.splitlines()[-1] == f"{shipped + 1} passed, 0 failed"
    assert f"PASS {(base / 'scenarios' / 'north' / 'kidal' / 'deep.yaml').as_posix()} (Heavy fighting)" in result.stdout


def test_no_base_found_lists_where_it_looked(forecast_cli: Invoke, elsewhere: Path) -> None:
    loose = elsewhere / "inner" / "loose.yaml"
    loose.parent.mkdir()
    shutil.copy(ROOT / "scenarios" / "heavy_fighting.yaml", loose)
    result = forecast_cli(loose)
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"forecast: error: {loose.as_posix()}: --rules: no rule base found")
    for folder in (loose.parent, *loose.parent.parents):
        assert (folder / "rules").as_posix() in line
    assert "FORECAST_RULES (not set)" in line
    assert "pass --rules DIR, or set FORECAST_RULES" in line

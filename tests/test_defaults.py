"""A growing vocabulary: a variable's `default:`, a scenario that `extends:` another, and `--strict` that refuses both."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result

import engine.cli.options
from engine.pipeline import Engine
from tests.conftest import Invoke

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").glob("*.yaml"))
NEW_VARIABLE = "  junta_owes:\n    type: boolean\n    default: false\n    meaning: Mali's junta owes Russia for past deliveries.\n"


def _copy(tmp: Path, vocabulary_edit: str = NEW_VARIABLE) -> Path:
    """The shipped rule base, scenarios and seeds in `tmp`, with `vocabulary_edit` added as the first variable."""
    for part in ("rules", "scenarios", "seeds"):
        shutil.copytree(ROOT / part, tmp / part)
    path = tmp / "rules" / "vocabulary.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nvariables:\n", f"\nvariables:\n{vocabulary_edit}", 1), encoding="utf-8")
    return tmp


@pytest.fixture(scope="module")
def grown(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped base whose vocabulary has one more variable, with a default."""
    return _copy(tmp_path_factory.mktemp("grown"))


@pytest.fixture(scope="module")
def grown_engines(grown: Path) -> dict[str, Engine]:
    opened = Engine.open(grown / "rules")
    return {"durable": opened, "compiled": Engine.on(opened.rule_base, opened.program, "compiled")}


@pytest.fixture
def cli(forecast_cli: Invoke, grown: Path, grown_engines: dict[str, Engine], monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """`forecast` in-process, reusing one opened engine for the grown base (the shipped one as conftest does)."""
    shipped = engine.cli.options.open_engine

    def cached(rules: Path, seeds: Path | None, matcher: str = "durable") -> Engine:
        if rules.resolve() == (grown / "rules").resolve():
            return grown_engines[matcher]
        return shipped(rules, seeds, matcher)  # type: ignore[arg-type]

    monkeypatch.setattr(engine.cli.options, "open_engine", cached)
    return forecast_cli


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return result


def refused(result: Result, *phrases: str) -> str:
    """Exit 2, one line on stderr holding every phrase, nothing on stdout."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


def _verdicts(data: dict[str, object]) -> object:
    return data["questions"]


def test_a_new_variable_with_a_default_breaks_no_shipped_scenario(cli: Invoke, grown: Path) -> None:
    tested = ok(cli("test", "--rules", grown / "rules"))
    assert tested.stdout.splitlines()[-1] == f"{len(SHIPPED)} passed, 0 failed"
    ok(cli("check", "--rules", grown / "rules", "--seeds", grown / "seeds"))
    for path in SHIPPED:
        before = json.loads(ok(cli("run", path, "--rules", ROOT / "rules", "-f", "json")).stdout)
        after = json.loads(ok(cli("run", grown / "scenarios" / path.name, "--rules", grown / "rules", "-f", "json")).stdout)
        assert after["questions"] == before["questions"], path.name
        assert after["scenario"]["defaulted"] == ["junta_owes"]
        assert "defaulted" not in before["scenario"] and "inherited" not in before["scenario"]


@pytest.mark.parametrize("table", ["example.csv", "example.jsonl"])
def test_a_new_variable_with_a_default_breaks_no_batch_file(cli: Invoke, grown: Path, table: str) -> None:
    before = list(csv.DictReader(io.StringIO(ok(cli("batch", ROOT / "scenarios" / "batch" / table, "--rules", ROOT / "rules")).stdout)))
    grown_table = grown / "scenarios" / "batch" / table
    after = list(csv.DictReader(io.StringIO(ok(cli("batch", grown_table, "--rules", grown / "rules")).stdout)))
    assert before and [row.pop("junta_owes") for row in after] == ["false"] * len(before)
    assert after == before


def test_a_default_is_marked_in_text_json_and_markdown(cli: Invoke, grown: Path) -> None:
    scenario = grown / "scenarios" / "heavy_fighting.yaml"
    text = ok(cli("run", scenario, "--rules", grown / "rules")).stdout
    assert "given: junta_owes=false (default), junta_pays=false," in text
    markdown = ok(cli("run", scenario, "--rules", grown / "rules", "-f", "markdown")).stdout
    assert "| junta_owes | false (default) |" in markdown
    assert "| junta_pays | false |" in markdown
    data = json.loads(ok(cli("run", scenario, "--rules", grown / "rules", "-f", "json")).stdout)
    assert data["schema_version"] == "2.1" and data["scenario"]["variables"]["junta_owes"] is False


def test_a_scenario_that_gives_the_defaulted_variable_overrides_it(cli: Invoke, grown: Path) -> None:
    text = (grown / "scenarios" / "heavy_fighting.yaml").read_text(encoding="utf-8")
    path = grown / "scenarios" / "owes.yaml"
    path.write_text(text.replace("\nvariables:\n", "\nvariables:\n  junta_owes: true\n", 1), encoding="utf-8")
    data = json.loads(ok(cli("run", path, "--rules", grown / "rules", "-f", "json")).stdout)
    assert data["scenario"]["variables"]["junta_owes"] is True and "defaulted" not in data["scenario"]


@pytest.mark.parametrize(
    ("default", "phrase"), [("maybe", "expected true or false"), ("3", "expected true or false")], ids=["word", "number"]
)
def test_a_default_that_is_no_value_of_its_variable_is_one_located_line(
    forecast_cli: Invoke, tmp_path: Path, default: str, phrase: str
) -> None:
    base = _copy(tmp_path, NEW_VARIABLE.replace("default: false", f"default: {default}"))
    line = refused(forecast_cli("run", base / "scenarios" / "heavy_fighting.yaml", "--rules", base / "rules"), phrase)
    assert "vocabulary.yaml:" in line and "variables.junta_owes.default:" in line


def test_a_level_default_outside_the_levels_is_refused_with_a_hint(forecast_cli: Invoke, tmp_path: Path) -> None:
    declared = "  mood:\n    type: level\n    levels: [calm, tense]\n    default: tens\n    meaning: The mood in Bamako.\n"
    base = _copy(tmp_path, declared)
    refused(forecast_cli("run", base / "scenarios" / "heavy_fighting.yaml", "--rules", base / "rules"), "variables.mood.default", "tense")


def _derived(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_scenario_extends_another_and_overrides_some_inputs(forecast_cli: Invoke, tmp_path: Path) -> None:
    shutil.copy(ROOT / "scenarios" / "heavy_fighting.yaml", tmp_path / "heavy_fighting.yaml")
    shutil.copy(ROOT / "scenarios" / "pays_and_fighting.yaml", tmp_path / "pays_and_fighting.yaml")
    derived = _derived(tmp_path, "derived.yaml", "name: derived\nextends: heavy_fighting.yaml\nvariables:\n  junta_pays: true\n")
    rules = ("--rules", ROOT / "rules")
    full = json.loads(ok(forecast_cli("run", tmp_path / "pays_and_fighting.yaml", *rules, "-f", "json")).stdout)
    base = json.loads(ok(forecast_cli("run", tmp_path / "heavy_fighting.yaml", *rules, "-f", "json")).stdout)
    data = json.loads(ok(forecast_cli("run", derived, *rules, "-f", "json")).stdout)
    assert data["scenario"]["variables"] == {**base["scenario"]["variables"], "junta_pays": True}
    if data["scenario"]["variables"] == full["scenario"]["variables"]:
        assert data["questions"] == full["questions"]
    inherited = data["scenario"]["inherited"]
    assert "junta_pays" not in inherited and set(inherited) == set(base["scenario"]["variables"]) - {"junta_pays"}
    assert set(inherited.values()) == {"heavy_fighting.yaml"}
    assert data["expectations"]["checked"] == 0  # the base's expectations are not inherited
    text = ok(forecast_cli("run", derived, *rules)).stdout
    assert "junta_pays=true, mali_resources=limited (from heavy_fighting.yaml)" in text


def test_extending_chains_are_followed_nearest_base_first(forecast_cli: Invoke, tmp_path: Path) -> None:
    shutil.copy(ROOT / "scenarios" / "heavy_fighting.yaml", tmp_path / "heavy_fighting.yaml")
    (tmp_path / "more").mkdir()
    _derived(tmp_path, "middle.yaml", "name: middle\nextends: heavy_fighting.yaml\nvariables:\n  deadly_clashes: 9\n")
    top = _derived(tmp_path / "more", "top.yaml", "name: top\nextends: ../middle.yaml\nvariables:\n  junta_pays: true\n")
    data = json.loads(ok(forecast_cli("run", top, "--rules", ROOT / "rules", "-f", "json")).stdout)
    assert data["scenario"]["variables"]["deadly_clashes"] == 9 and data["scenario"]["variables"]["junta_pays"] is True
    assert data["scenario"]["inherited"]["deadly_clashes"] == "../middle.yaml"
    assert data["scenario"]["inherited"]["mali_resources"] == "../heavy_fighting.yaml"


def test_a_cycle_or_a_missing_base_is_one_line_at_extends(forecast_cli: Invoke, tmp_path: Path) -> None:
    one = _derived(tmp_path, "one.yaml", "name: one\nextends: two.yaml\n")
    _derived(tmp_path, "two.yaml", "name: two\nextends: one.yaml\n")
    line = refused(forecast_cli("run", one, "--rules", ROOT / "rules"), "two.yaml:2:1: extends:", "cycle")
    assert "one.yaml -> two.yaml" in line or "two.yaml -> one.yaml" in line
    shutil.copy(ROOT / "scenarios" / "heavy_fighting.yaml", tmp_path / "heavy_fighting.yaml")
    lost = _derived(tmp_path, "lost.yaml", "name: lost\nextends: heavy_fightin.yaml\n")
    refused(forecast_cli("run", lost, "--rules", ROOT / "rules"), "lost.yaml:2:1: extends:", "heavy_fighting.yaml")


def test_a_wrong_input_in_a_base_is_located_in_the_base(forecast_cli: Invoke, tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "heavy_fighting.yaml").read_text(encoding="utf-8")
    _derived(tmp_path, "base.yaml", text.replace("deadly_clashes: 4", "deadly_clashes: 400"))
    derived = _derived(tmp_path, "derived.yaml", "name: derived\nextends: base.yaml\n")
    refused(forecast_cli("run", derived, "--rules", ROOT / "rules"), "base.yaml:", "variables.deadly_clashes")


def test_strict_refuses_defaults_and_inherited_inputs(cli: Invoke, grown: Path) -> None:
    scenario = grown / "scenarios" / "heavy_fighting.yaml"
    refused(cli("run", scenario, "--rules", grown / "rules", "--strict"), "--strict", "junta_owes (default)")
    refused(cli("test", scenario, "--rules", grown / "rules", "--strict"), "--strict", "junta_owes (default)")
    derived = _derived(
        grown / "scenarios", "derived_strict.yaml", "name: d\nextends: heavy_fighting.yaml\nvariables:\n  junta_owes: true\n"
    )
    refused(cli("run", derived, "--rules", grown / "rules", "--strict"), "mali_resources (from heavy_fighting.yaml)")
    ok(cli("run", ROOT / "scenarios" / "heavy_fighting.yaml", "--rules", ROOT / "rules", "--strict"))
    ok(cli("test", ROOT / "scenarios" / "heavy_fighting.yaml", "--rules", ROOT / "rules", "--strict"))
    derived.unlink()


def test_the_library_fills_defaults_too(grown_engines: dict[str, Engine], shipped_engine: Engine) -> None:
    values = dict(shipped_engine.read_scenario(ROOT / "scenarios" / "heavy_fighting.yaml").values)
    grown_result = grown_engines["compiled"].forecast(values)
    assert grown_result.facts == shipped_engine.forecast(values).facts


def test_new_writes_a_default_as_a_comment_that_runs_as_is(cli: Invoke, grown: Path, tmp_path: Path) -> None:
    source = grown / "scenarios" / "heavy_fighting.yaml"
    target = grown / "scenarios" / "made_from.yaml"
    ok(cli("new", "made", "--rules", grown / "rules", "-o", target, "--force"))
    text = target.read_text(encoding="utf-8")
    assert "  # junta_owes: false  # the default, when left out\n" in text and "\n  junta_pays:\n" in text
    values = json.loads(ok(cli("run", source, "--rules", grown / "rules", "-f", "json")).stdout)["scenario"]["variables"]
    for name, value in values.items():
        if name != "junta_owes":
            text = text.replace(f"\n  {name}:\n", f"\n  {name}: {json.dumps(value)}\n")
    target.write_text(text, encoding="utf-8")
    data = json.loads(ok(cli("run", target, "--rules", grown / "rules", "-f", "json")).stdout)
    assert data["scenario"]["defaulted"] == ["junta_owes"] and data["scenario"]["variables"] == values
    target.unlink()


def test_new_extends_writes_the_base_inputs_as_comments_to_uncomment(cli: Invoke, grown: Path) -> None:
    target = grown / "scenarios" / "built.yaml"
    ok(cli("new", "built", "--rules", grown / "rules", "--extends", grown / "scenarios" / "heavy_fighting.yaml", "-o", target))
    text = target.read_text(encoding="utf-8")
    assert 'extends: "heavy_fighting.yaml"\n' in text
    assert "  # deadly_clashes: 4  # from heavy_fighting.yaml\n" in text
    assert "  # junta_owes: false  # the default, when left out\n" in text  # the base's default stays a default
    as_is = json.loads(ok(cli("run", target, "--rules", grown / "rules", "-f", "json")).stdout)
    assert as_is["scenario"]["inherited"]["deadly_clashes"] == "heavy_fighting.yaml"
    target.write_text(text.replace("  # deadly_clashes: 4", "  deadly_clashes: 9"), encoding="utf-8")
    data = json.loads(ok(cli("run", target, "--rules", grown / "rules", "-f", "json")).stdout)
    assert data["scenario"]["variables"]["deadly_clashes"] == 9 and "deadly_clashes" not in data["scenario"]["inherited"]
    refused(cli("new", "x", "--rules", grown / "rules", "--extends", target, "--from", target, "-o", "-"), "--extends")
    target.unlink()


def test_the_scenario_schema_leaves_defaulted_variables_optional(cli: Invoke, grown: Path) -> None:
    schema = json.loads(ok(cli("schema", "scenario", "--rules", grown / "rules")).stdout)
    required = schema["else"]["properties"]["variables"]["required"]
    assert "junta_owes" not in required and "junta_pays" in required
    assert "junta_owes" in schema["properties"]["variables"]["properties"]
    assert schema["properties"]["extends"]["type"] == "string"


def test_a_default_survives_the_rule_base_cache(grown: Path, grown_engines: dict[str, Engine]) -> None:
    again = Engine.open(grown / "rules")  # the module's first open wrote the cache entry: this one reads it
    assert again.vocabulary.variables["junta_owes"].default is False
    assert again.vocabulary == grown_engines["durable"].vocabulary

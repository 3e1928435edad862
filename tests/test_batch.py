"""`forecast batch FILE`: a row per scenario, read per kind, wrong rows reported by line and never in the way.

Each output row is checked against `Engine.forecast` of the same values, and
the values written read back as the values given. A wrong row is one line
on stderr with its line in the file; the good rows are still written and
the exit code is 1. A file whose header is wrong is refused at once (2).
`--jobs 2` writes the same bytes as one process.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke

from engine.language import BooleanKind, LevelKind, NumberKind, Value
from engine.load.rows import cell, read_rows
from engine.pipeline import Engine
from engine.render.verdicts import view_text
from engine.space import ScenarioSpace

HEADER = (
    "junta_pays,mali_resources,deadly_clashes,cruel_conduct,agreements_observed_broken,kremlin_investment,heavy_losses,wagner_fighters,"
    "alienated_west"
)
GOOD = "true,limited,3,true,true,high,true,1100,true"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_example_batch_gives_each_scenario_its_forecast(forecast_cli: Invoke, repo_root: Path, shipped_engine: Engine) -> None:
    example = repo_root / "scenarios" / "batch" / "example.csv"
    result = forecast_cli("batch", example, "--stances")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    rows = table(result.stdout)
    read = read_rows(example, shipped_engine.vocabulary)
    assert [int(row["line"]) for row in rows] == [row.line for row in read] == list(range(2, 2 + len(read)))
    assert {row["russia_presence.status"] for row in rows} >= {"compatible", "one voice", "no stance"}
    for row, given in zip(rows, read, strict=True):
        forecast = shipped_engine.forecast(given.values)
        for question in forecast.questions:
            assert row[f"{question.id}.status"] == question.status
            assert row[f"{question.id}.favours"] == "|".join(question.verdict.favours or ())
            said = {**question.verdict.views, **question.verdict.others}
            for expert in shipped_engine.speakers[question.id]:
                expected = view_text(question.scale, said[expert]) if expert in said else ""
                assert row[f"{question.id}.{expert}"] == expected
    # Elischer's "could potentially increase" and "may curtail" point both ways: never a self-conflict
    assert "curtail, increase possible; points both ways" in {row["russia_presence.elischer"] for row in rows}
    assert not any("SELF-CONFLICT" in cell for row in rows for cell in row.values())


def test_the_values_written_read_back_as_given(forecast_cli: Invoke, shipped_engine: Engine, tmp_path: Path) -> None:
    space = ScenarioSpace.of(shipped_engine.rule_base)
    names = list(shipped_engine.vocabulary.variables)
    lines = [",".join(names)]
    for point in space.points()[::7]:
        values = space.values(point)
        lines.append(",".join(json.dumps(values[name]).strip('"') for name in names))
    given = write(tmp_path, "space.csv", "\n".join(lines) + "\n")
    result = forecast_cli("batch", given, "-o", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    written = (tmp_path / "out.csv").read_text(encoding="utf-8")
    back = write(tmp_path, "back.csv", "\n".join([",".join(names), *(",".join(row[name] for name in names) for row in table(written))]))
    assert [row.values for row in read_rows(back, shipped_engine.vocabulary)] == [
        row.values for row in read_rows(given, shipped_engine.vocabulary)
    ]


def test_json_lines_in_and_out(forecast_cli: Invoke, repo_root: Path, shipped_engine: Engine, tmp_path: Path) -> None:
    example = repo_root / "scenarios" / "batch" / "example.jsonl"
    out = tmp_path / "forecasts.jsonl"
    result = forecast_cli("batch", example, "--stances", "-o", out)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    given = [json.loads(line) for line in example.read_text(encoding="utf-8").splitlines()]
    assert [record["line"] for record in records] == [1, 2, 3]
    for record, values in zip(records, given, strict=True):
        assert record["values"] == values
        forecast = shipped_engine.forecast(values)
        assert list(record["questions"]) == [question.id for question in forecast.questions]
        for question in forecast.questions:
            entry = record["questions"][question.id]
            verdict = question.verdict
            assert entry["status"] == question.status
            assert entry["favours"] == (list(verdict.favours) if verdict.favours else None)
            assert entry["conflicting"] == list(verdict.conflicting)
            views = {**verdict.views, **verdict.others}
            assert entry["stances"] == {
                stance.expert: {
                    "favours": list(views[stance.expert].favours or []) or None,
                    "possible": [list(event) for event in views[stance.expert].possible],
                    "self_conflict": views[stance.expert].bounds is None,
                    "counted": stance.expert in verdict.views,
                }
                for stance in question.stances
            }
    plain = forecast_cli("batch", example, "--format", "jsonl")
    assert "stances" not in plain.stdout and len(plain.stdout.splitlines()) == 3
    assert forecast_cli("batch", example).stdout.startswith("line,junta_pays,"), "CSV unless -o or --format says otherwise"


def test_wrong_rows_are_reported_by_line_and_the_others_written(forecast_cli: Invoke, tmp_path: Path) -> None:
    given = write(
        tmp_path,
        "scenarios.csv",
        "\n".join(
            [
                HEADER,
                GOOD,
                "yes,limited,3,true,true,high,true,1100,true",
                "true,limited,2.5,true,true,high,true,1100,true",
                "",
                "true,limited,3",
                "true,limited,3,true,true,hihg,true,99999,true",
                "TRUE,Limited,012,False,false,high,true,,true",
                GOOD.replace("1100", "1e3"),
                GOOD,
            ]
        )
        + "\n",
    )
    result = forecast_cli("batch", given)
    assert result.exit_code == 1
    assert [row["line"] for row in table(result.stdout)] == ["2", "10"]
    errors = result.stderr.splitlines()
    assert errors == [
        f"forecast: {given}:3: junta_pays: expected true or false for boolean 'junta_pays', got 'yes' (did you mean 'true'?)",
        f"forecast: {given}:4: deadly_clashes: expected a whole number (deadly clashes with separatists in the last three months)"
        " for 'deadly_clashes', got 2.5",
        f"forecast: {given}:6: expected 9 cells, one per column of the header, got 3",
        f"forecast: {given}:7: kremlin_investment: expected one of low, moderate, high for 'kremlin_investment', got 'hihg'"
        " (did you mean 'high'?); wagner_fighters: 99999 is out of range for 'wagner_fighters': expected 0 to 10000 fighters",
        f"forecast: {given}:8: mali_resources: expected one of limited, substantial for 'mali_resources', got 'Limited'"
        " (did you mean 'limited'?); deadly_clashes: expected a number (deadly clashes with separatists in the last three months)"
        " for 'deadly_clashes', got '012' (012 is a number with a leading zero; did you mean 12?);"
        " wagner_fighters: no value for 'wagner_fighters' yet (decide one: whole number, 0 to 10000 fighters)",
        f"forecast: {given}:9: wagner_fighters: expected a whole number (fighters) for 'wagner_fighters', got 1000.0",
        "forecast: 6 of 8 scenarios not forecast",
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"junta_pays": true', "not a JSON object: Expecting ',' delimiter"),
        ("[1, 2]", "expected a JSON object of variable: value, got list"),
        ('{"junta_pays": true, "junta_pays": false}', "not a JSON object: key 'junta_pays' given twice"),
        ('{"junta_pays": true}', "missing variables 'mali_resources'"),
        ('{"heavy_loses": true}', "unknown variable 'heavy_loses' (did you mean 'heavy_losses'?)"),
        ('{"cruel_conduct": {"chance": 0.5}}', "cruel_conduct: 'cruel_conduct' is given chances, not a value"),
    ],
)
def test_wrong_json_lines_are_reported_by_line(line: str, message: str, forecast_cli: Invoke, repo_root: Path, tmp_path: Path) -> None:
    good = (repo_root / "scenarios" / "batch" / "example.jsonl").read_text(encoding="utf-8").splitlines()[0]
    if line.startswith('{"cruel_conduct"'):
        line = json.dumps({**json.loads(good), "cruel_conduct": {"chance": 0.5}})
    given = write(tmp_path, "rows.jsonl", f"{good}\n\n{line}\n{good}\n")
    result = forecast_cli("batch", given, "--format", "jsonl")
    assert result.exit_code == 1
    assert [json.loads(text)["line"] for text in result.stdout.splitlines()] == [1, 4]
    [reported, count] = result.stderr.splitlines()
    assert reported.startswith(f"forecast: {given}:3: ") and message in reported, reported
    assert count == "forecast: 1 of 3 scenarios not forecast"


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "a.csv",
            "junta_pays,heavy_loses\n",
            "a.csv:1: unknown variable 'heavy_loses' in the header (column 2) (did you mean 'heavy_losses'?)",
        ),
        ("a.csv", "junta_pays\ntrue\n", "a.csv:1: no column for variables 'mali_resources', 'deadly_clashes'"),
        ("a.csv", f"{HEADER},junta_pays\n", "a.csv:1: variable 'junta_pays' has two columns"),
        ("a.csv", "", "a.csv: is empty"),
        ("a.txt", HEADER, "a.txt: cannot tell the format from the suffix .txt"),
    ],
)
def test_a_file_that_is_no_table_is_refused_at_once(
    name: str, text: str, expected: str, forecast_cli: Invoke, repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, name, text)
    result = forecast_cli("batch", name, "--rules", repo_root / "rules")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"forecast: error: {expected}"), result.stderr


def test_a_missing_file_is_refused(forecast_cli: Invoke, tmp_path: Path) -> None:
    result = forecast_cli("batch", tmp_path / "none.csv")
    assert result.exit_code == 2
    assert result.stderr == f"forecast: error: {tmp_path / 'none.csv'}: no such file (check the path)\n"


def test_cells_are_read_with_their_kind() -> None:
    boolean, level, whole, real = BooleanKind(), LevelKind(("low", "high")), NumberKind(0, 10, "things"), NumberKind(0, 1, "share", False)
    read: list[tuple[object, str, Value | None]] = [
        (boolean, "true", True),
        (boolean, "FALSE", False),
        (boolean, "yes", "yes"),
        (boolean, "1", "1"),
        (level, "high", "high"),
        (level, "true", "true"),
        (whole, "7", 7),
        (whole, "-0", 0),
        (whole, "2.5", 2.5),
        (whole, "1e3", 1000.0),
        (whole, "012", "012"),
        (whole, "1_000", "1_000"),
        (whole, "1e999", "1e999"),
        (whole, "nan", "nan"),
        (real, ".25", 0.25),
        (real, "0.5", 0.5),
        (whole, "", None),
    ]
    for kind, text, value in read:
        found = cell(kind, text)  # type: ignore[arg-type]
        assert found == value and type(found) is type(value), (kind, text, found)


def test_a_byte_order_mark_and_windows_line_ends_are_no_part_of_the_table(forecast_cli: Invoke, tmp_path: Path) -> None:
    given = tmp_path / "excel.csv"
    given.write_bytes(f"\ufeff{HEADER}\r\n{GOOD}\r\n".encode())
    result = forecast_cli("batch", given)
    assert result.exit_code == 0, result.output
    assert [row["line"] for row in table(result.stdout)] == ["2"]


def test_more_jobs_write_the_same_bytes(forecast_cli: Invoke, shipped_engine: Engine, tmp_path: Path) -> None:
    space = ScenarioSpace.of(shipped_engine.rule_base)
    names = list(shipped_engine.vocabulary.variables)
    lines = [",".join(names)]
    for position, point in enumerate(space.points()):
        values = space.values(point)
        text = ",".join(json.dumps(values[name]).strip('"') for name in names)
        lines.append(text.replace("limited", "limitted") if position % 97 == 5 else text)
    given = write(tmp_path, "space.csv", "\n".join(lines) + "\n")
    one = forecast_cli("batch", given, "--stances")
    two = forecast_cli("batch", given, "--stances", "--jobs", "2")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout == two.stdout and one.stderr == two.stderr
    wrong = sum("limitted" in line for line in lines)
    assert wrong > 2 and len(one.stdout.splitlines()) == 1 + 1152 - wrong
    assert one.stderr.splitlines()[-1] == f"forecast: {wrong} of 1,152 scenarios not forecast"
    assert forecast_cli("batch", given, "--stances").stdout == one.stdout, "the same bytes every time"


def test_a_long_batch_shows_its_progress_on_stderr(
    forecast_cli: Invoke, repo_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Off a terminal, a line now and then (here: at every update), and the output is the same."""
    import engine.cli.batch
    import engine.cli.progress

    example = (repo_root / "scenarios" / "batch" / "example.csv").read_text(encoding="utf-8").splitlines()
    given = write(tmp_path, "long.csv", "\n".join([example[0], *(example[1:] * 50)]) + "\n")
    quiet = forecast_cli("batch", given)
    shown = engine.cli.progress.progress_on_stderr
    monkeypatch.setattr(engine.cli.batch, "PROGRESS_FROM", 100)
    monkeypatch.setattr(engine.cli.batch, "STEP", 60)
    monkeypatch.setattr(engine.cli.progress, "progress_on_stderr", lambda: shown(terminal=False, every=0))
    loud = forecast_cli("batch", given)
    assert quiet.exit_code == loud.exit_code == 0 and quiet.stderr == ""
    assert loud.stdout == quiet.stdout
    assert loud.stderr.splitlines() == [f"forecast: batch: {done} of 300 scenarios ({done // 3}%)" for done in (120, 180, 240)]


def test_a_huge_integer_or_a_deep_line_is_a_row_error_and_the_other_rows_are_written(
    forecast_cli: Invoke, repo_root: Path, tmp_path: Path
) -> None:
    """A 4,301-digit integer in a CSV cell or a JSON line, or a line nested 100,000 deep: each its row's error, never the run's."""
    example = (repo_root / "scenarios" / "batch" / "example.csv").read_text(encoding="utf-8").splitlines()
    header, good = example[0].split(","), example[1].split(",")
    huge = list(good)
    huge[header.index("deadly_clashes")] = "9" * 4301
    (tmp_path / "rows.csv").write_text(
        "\n".join([",".join(header), ",".join(good), ",".join(huge), ",".join(good)]) + "\n", encoding="utf-8"
    )
    result = forecast_cli("batch", tmp_path / "rows.csv", "--rules", repo_root / "rules")
    assert result.exit_code == 1, result.output
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == ["2", "4"]
    assert result.stderr.startswith(f"forecast: {tmp_path / 'rows.csv'}:3: deadly_clashes: the number 9999")
    assert "longer than 400 characters" in result.stderr and "Traceback" not in result.stderr

    row = dict(zip(header, good, strict=True))
    typed = {name: json.loads(text) if text in ("true", "false") or text.isdigit() else text for name, text in row.items()}
    lines = [json.dumps(typed), '{"a": ' * 100_000 + "1" + "}" * 100_000, '{"deadly_clashes": ' + "9" * 4301 + "}", json.dumps(typed)]
    (tmp_path / "rows.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = forecast_cli("batch", tmp_path / "rows.jsonl", "--rules", repo_root / "rules")
    assert result.exit_code == 1, result.output
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == ["1", "4"]
    told = result.stderr.splitlines()
    assert told[0].startswith(f"forecast: {tmp_path / 'rows.jsonl'}:2: not a JSON object: nested too deeply")
    assert told[1].startswith(f"forecast: {tmp_path / 'rows.jsonl'}:3: not a JSON object: the number 9999")
    assert told[2] == "forecast: 2 of 4 scenarios not forecast"


def test_a_named_pipe_is_refused_as_a_table(forecast_cli: Invoke, tmp_path: Path) -> None:
    """A FIFO given to `batch` is never opened to wait for a writer: one located line, exit 2."""
    os.mkfifo(tmp_path / "rows.csv")
    result = forecast_cli("batch", tmp_path / "rows.csv")
    assert result.exit_code == 2
    assert result.stderr == f"forecast: error: {tmp_path / 'rows.csv'}: is a named pipe, expected a regular file (name a file)\n"


def test_a_row_the_engine_fails_on_is_that_rows_error(forecast_cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Anything unforeseen raised while one row is forecast (here made to happen) ends that row, located, and exit 1 at the end."""
    from engine.bulk import Bulk

    real = Bulk.evaluate

    def evaluate(self: Bulk, given: object) -> Any:
        if isinstance(given, dict) and given.get("deadly_clashes") == 7:
            raise ZeroDivisionError("division by zero")
        return real(self, given)

    monkeypatch.setattr(Bulk, "evaluate", evaluate)
    rows = write(tmp_path, "rows.csv", "\n".join([HEADER, GOOD, GOOD.replace(",3,", ",7,"), GOOD]) + "\n")
    result = forecast_cli("batch", rows)
    assert result.exit_code == 1, result.output
    assert [line.split(",")[0] for line in result.stdout.splitlines()[1:]] == ["2", "4"]
    assert result.stderr.splitlines() == [
        f"forecast: {rows}:3: the engine failed on this scenario: ZeroDivisionError: division by zero",
        "forecast: 1 of 3 scenarios not forecast",
    ]

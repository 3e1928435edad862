"""Text output follows the terminal: its width (or COLUMNS), and colour only on a terminal, never with NO_COLOR.

Piped, with COLUMNS unset, the output is the bytes it has always been
(tests/test_report.py holds the forecasts to 100 columns; the shipped
outputs are compared byte for byte elsewhere).
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke

from engine.cli.terminal import output_width, use_colour
from engine.pipeline import Engine
from engine.records import replace
from engine.render.report import Report
from engine.render.text import render_text
from engine.resolve.expectations import unmet_expectations

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def conflict_report(shipped_engine: Engine) -> Report:
    """pays_and_fighting taken at the experts' word (the literal lexicon), where Elischer's two rules clash."""
    path = ROOT / "scenarios" / "pays_and_fighting.yaml"
    scenario = shipped_engine.read_scenario(path)
    forecast, odds = shipped_engine.forecast_scenario(scenario, lexicon="literal")
    assert forecast is not None
    return Report(
        scenario,
        "scenarios/pays_and_fighting.yaml",
        "rules",
        shipped_engine.rule_base,
        forecast,
        tuple(unmet_expectations(scenario, forecast)),
        odds=odds,
    )


def test_colour_paints_stances_conflicts_and_assumptions_and_changes_no_word(conflict_report: Report) -> None:
    plain = render_text(conflict_report)
    coloured = render_text(replace(conflict_report, colour=True))
    assert ANSI.sub("", coloured) == plain
    assert "\x1b[" not in plain
    assert re.search(r"verdict  \x1b\[31m\x1b\[1mconflict\x1b\[0m: elischer", coloured)
    assert re.search(r"\x1b\[31m\x1b\[1mSELF-CONFLICT\x1b\[0m, reported", coloured)
    assert re.search(r"\x1b\[33m\x1b\[1mASSUMPTION\x1b\[0m analyst\.", coloured)
    assert re.search(
        r"  weiss     P\(curtail or maintain or increase\) 100% \"unlikely\"  -> \x1b\[36m\x1b\[1mfavours not withdraw\x1b\[0m", coloured
    )


@pytest.mark.parametrize("width", [60, 80, 132])
def test_text_wraps_at_the_width_asked(width: int, conflict_report: Report) -> None:
    """Every line but the heading (the scenario's name and file, never broken) fits, or is one unbreakable word."""
    for line in render_text(replace(conflict_report, width=width)).splitlines()[1:]:
        if len(line) > width:
            assert " " not in line.strip(), f"{len(line)} columns: {line!r}"


def test_columns_sets_the_width_of_a_forecast_and_of_list(forecast_cli: Invoke, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    forecast = forecast_cli(repo_root / "scenarios" / "heavy_fighting.yaml", "--rules", repo_root / "rules")
    listed = forecast_cli("list", "--rules", repo_root / "rules")
    for result, heading in ((forecast, 1), (listed, 0)):
        assert result.exit_code == 0
        long = [line for line in result.stdout.splitlines()[heading:] if len(line) > 60 and " " in line.strip()]
        assert long == []
    monkeypatch.delenv("COLUMNS")
    assert max(len(line) for line in forecast_cli("list", "--rules", repo_root / "rules").stdout.splitlines()) > 100, (
        "piped, list keeps its unwrapped lines"
    )


def test_columns_sets_the_width_of_the_consistency_report(forecast_cli: Invoke, repo_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its header and closing line too: only a located problem or an unbreakable word may be longer."""
    monkeypatch.setenv("COLUMNS", "60")
    result = forecast_cli("check", "--consistency", "--rules", repo_root / "rules")
    assert result.exit_code == 0, result.output
    report = result.stdout.split("Consistency check:", 1)[1]
    assert [line for line in ("Consistency check:" + report).splitlines() if len(line) > 60 and " " in line.strip()] == []


def test_width_and_colour_off_a_terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    with (tmp_path / "file").open("w") as stream:
        assert output_width(stream) is None and not use_colour(stream)
    assert output_width(None) is None and not use_colour(None)
    monkeypatch.setenv("COLUMNS", "12")
    assert output_width(None) == 40, "no narrower than 40 columns"


def _on_a_terminal(arguments: list[str], code: int = 0, **environment: str) -> str:
    """Run `forecast ARGS` with its stdout on a pseudo-terminal, expecting exit `code`; return what it showed."""
    controller, terminal = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key not in ("COLUMNS", "NO_COLOR")}
    process = subprocess.Popen(
        [Path(sys.executable).parent / "forecast", *arguments],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env={**env, "TERM": "xterm", **environment},
    )
    os.close(terminal)
    shown = b""
    try:
        while True:
            ready, _, _ = select.select([controller], [], [], 60)
            assert ready, "nothing on the terminal for a minute"
            try:
                chunk = os.read(controller, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
        _, errors = process.communicate(timeout=60)
        assert process.returncode == code, errors
    finally:
        os.close(controller)
    return shown.decode()


def test_a_terminal_gets_colour_and_no_color_turns_it_off() -> None:
    arguments = ["scenarios/pays_and_fighting.yaml", "-q", "russia_presence", "--lexicon", "literal"]
    coloured = _on_a_terminal(arguments, 1)  # taken at their word, the scenario's own `status: compatible` is not met
    plain = _on_a_terminal(arguments, 1, NO_COLOR="1")
    assert "\x1b[31m\x1b[1mSELF-CONFLICT" in coloured
    assert "\x1b[" not in plain
    assert ANSI.sub("", coloured) == plain

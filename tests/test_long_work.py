"""Long work, bounded and visible: the consistency check's time budget, its progress off a terminal, and its files.

Time is never measured here: the budget and the progress lines run on a
clock the test advances itself.
"""

from __future__ import annotations

import itertools
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Invoke
from synthetic import write_rule_base

from engine.cli.progress import progress_on_stderr
from engine.consistency import ConsistencyReport, run_consistency
from engine.consistency.observer import Budget, Observer, OutOfTime
from engine.pipeline import Engine
from engine.records import replace
from engine.space import ScenarioSpace


def ticking(start: float = 0.0, step: float = 1.0) -> itertools.count[float]:
    """A clock that moves `step` on every reading."""
    return itertools.count(start, step)


@pytest.fixture(scope="module")
def unaccepted(shipped_engine: Engine) -> Engine:
    """The shipped rule base without its acceptances: one self-conflict to find."""
    rule_base = replace(shipped_engine.rule_base, checks=replace(shipped_engine.rule_base.checks, accepted=()))
    return Engine(rule_base, shipped_engine.program, shipped_engine.matcher)


@pytest.fixture(scope="module")
def full(unaccepted: Engine) -> ConsistencyReport:
    return run_consistency(unaccepted)


def test_a_budget_stops_the_exhaustive_search_and_says_how_far_it_got(unaccepted: Engine, full: ConsistencyReport) -> None:
    """Past the budget: what the scenarios tried show, at the first (here the smallest) scenario; nothing judged on the whole."""
    clock = ticking()
    report = run_consistency(unaccepted, max_seconds=400, clock=lambda: next(clock))
    assert not report.complete and not report.explored
    assert 0 < report.scenarios_tried < report.space_classes
    assert {finding.kind for finding in report.findings} <= {"self-conflict", "disagreement", "points-both-ways", "invariant", "promise"}
    smallest = {(finding.kind, finding.subject): finding.scenario for finding in full.findings}
    assert report.findings, "the budget leaves time to meet the clash"
    for finding in report.findings:
        assert finding.scenario == smallest[(finding.kind, finding.subject)], "simplest first: the first seen is the smallest"
    text = report.render_text()
    left = report.space_classes - report.scenarios_tried
    assert f"{report.scenarios_tried:,} of 1,152 scenarios tried, one per class (not finished)" in text
    assert f"{left:,} not tried" in " ".join(text.split())
    assert "dead rules, shadowed rules and unused acceptances are not judged" in " ".join(text.split())
    assert "first scenario found: " in text and "smallest scenario" not in text
    assert text.splitlines()[-1].startswith("INCOMPLETE: the time budget of 400 s ran out; 1 finding to fix so far")
    data = report.to_json()
    assert data["complete"] is False and data["exact"] is False and data["max_seconds"] == 400


def test_a_budget_that_leaves_no_time_tries_nothing(unaccepted: Engine) -> None:
    clock = ticking()
    report = run_consistency(unaccepted, max_seconds=1, clock=lambda: next(clock))
    assert (report.complete, report.scenarios_tried, report.findings) == (False, 0, ())
    assert "after 0 of 1,152 scenarios" in report.render_text()


def test_a_budget_reached_while_shrinking_keeps_what_the_sampled_search_saw(unaccepted: Engine) -> None:
    """Hypothesis drew every example, then the budget ran out while shrinking: the findings keep their first scenario."""
    now = [0.0]

    def progress(done: int, total: int) -> None:
        if done == total:
            now[0] = 1e9  # the drawing is over: the budget runs out at once

    report = run_consistency(unaccepted, limit=100, max_examples=40, max_seconds=10, clock=lambda: now[0], progress=progress)
    assert report.explored and not report.complete
    assert report.findings and not any(finding.kind in ("dead-rule", "shadowed-rule") for finding in report.findings)
    assert "while looking for the smallest scenario of each finding" in " ".join(report.render_text().split())


def test_an_interrupt_asked_for_between_scenarios_stops_the_search(unaccepted: Engine) -> None:
    """`checkpoint` runs before each scenario: what it raises ends the search."""
    calls = itertools.count()

    def checkpoint() -> None:
        if next(calls) == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_consistency(unaccepted, checkpoint=checkpoint)


def test_the_command_exits_3_past_its_budget(forecast_cli: Invoke, repo_root: Path, tmp_path: Path) -> None:
    """`--max-seconds` counts from the command's start: a budget spent before the search ends set-up, exit 3, one line, nothing written."""
    out = tmp_path / "out"
    result = forecast_cli("check", "--consistency", "--max-seconds", "0.000001", "--write-counterexamples", out)
    assert result.exit_code == 3, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("forecast: time budget of 1e-06 s reached during set-up (")
    assert line.endswith("): the consistency search did not start, nothing was searched")
    assert not out.exists()


def test_the_budget_bounds_the_set_up_of_a_big_rule_base(tmp_path: Path) -> None:
    """A 3,000-rule base takes seconds to load: a budget smaller than that stops the load itself, saying how far it got."""
    write_rule_base(tmp_path, 3000, seed=0)
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "engine", "check", "--consistency", "--max-seconds", "0.2"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert re.fullmatch(
        r"forecast: time budget of 0\.2 s reached during set-up \((\d+ of 10 rule files read|the rule base [a-z ,']+)\): "
        r"the consistency search did not start, nothing was searched",
        line,
    ), line


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan"])
def test_the_budget_must_be_a_positive_number(value: str, forecast_cli: Invoke) -> None:
    """Refused in one line (click's usage block made one), naming the option and where the help is; nan too, which compares as no limit."""
    result = forecast_cli("check", "--consistency", "--max-seconds", value)
    assert result.exit_code == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("forecast: error: Invalid value for '--max-seconds': ") and line.endswith("(see 'forecast check --help')")


def test_the_budget_needs_the_consistency_check(forecast_cli: Invoke) -> None:
    result = forecast_cli("check", "--max-seconds", "5")
    assert result.exit_code == 2
    assert "--max-seconds needs --consistency" in result.stderr


def test_progress_off_a_terminal_is_a_line_every_few_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    """Off a terminal: no bar, a line at most every `every` seconds, none at the start or at the end."""
    now = [0.0]
    with progress_on_stderr(terminal=False, every=5, clock=lambda: now[0]) as progress:
        update = progress("consistency")
        for done in range(1, 101):
            now[0] = done * 0.5  # 100 scenarios over 50 seconds
            update(done, 100)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [f"forecast: consistency: {done} of 100 scenarios ({done}%)" for done in range(11, 100, 10)]


def test_short_work_shows_no_progress_off_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with progress_on_stderr(terminal=False, every=5, clock=lambda: 0.0) as progress:
        update = progress("consistency")
        for done in range(1, 11):
            update(done, 10)
    assert capsys.readouterr().err == ""


# --- counterexample files --------------------------------------------------------------


@pytest.fixture
def undeclared(tmp_path: Path, repo_root: Path) -> Path:
    """A copy of the shipped rule base whose checks.yaml accepts nothing: one counterexample to write."""
    import shutil

    shutil.copytree(repo_root / "rules", tmp_path / "rules")
    shutil.copytree(repo_root / "seeds", tmp_path / "seeds")
    checks = tmp_path / "rules" / "checks.yaml"
    text = checks.read_text(encoding="utf-8")
    checks.write_text(text[: text.index("\naccepted:") + 1], encoding="utf-8")
    return tmp_path / "rules"


def test_counterexamples_replace_those_of_an_earlier_run_with_the_umask_mode_and_touch_nothing_else(
    forecast_cli: Invoke, undeclared: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    stale = out / "07-dead-rule-weiss-no-pullout.yaml"
    stale.write_text("# Counterexample from the consistency check (forecast check --consistency).\nname: old\n", encoding="utf-8")
    mine = out / "01-my-own-notes.yaml"
    mine.write_text("# my notes\n", encoding="utf-8")
    other = out / "README.txt"
    other.write_text("keep me\n", encoding="utf-8")
    previous = os.umask(0o027)
    try:
        result = forecast_cli("check", "--consistency", "--rules", undeclared, "--write-counterexamples", out)
    finally:
        os.umask(previous)
    assert result.exit_code == 1, result.output
    assert not stale.exists()
    assert f"removed {stale.as_posix()} (a counterexample of an earlier run)" in result.stdout.splitlines()
    assert mine.read_text(encoding="utf-8") == "# my notes\n" and other.read_text(encoding="utf-8") == "keep me\n"
    written = [Path(line.removeprefix("wrote ")) for line in result.stdout.splitlines() if line.startswith("wrote ")]
    assert written and sorted(out.iterdir()) == sorted([mine, other, *written]), "no temporary file is left"
    assert {stat.S_IMODE(path.stat().st_mode) for path in written} == {0o640}


@pytest.mark.parametrize("kind", ["a-file", "under-a-file"])
def test_an_unwritable_counterexample_directory_is_refused_before_the_search(
    kind: str, forecast_cli: Invoke, repo_root: Path, tmp_path: Path
) -> None:
    """Found at once, not after the search: exit 2, one line, nothing on stdout."""
    blocker = tmp_path / "taken"
    blocker.write_text("a file\n", encoding="utf-8")
    target = blocker if kind == "a-file" else blocker / "out"
    result = forecast_cli("check", "--consistency", "--rules", repo_root / "rules", "--write-counterexamples", target)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"forecast: error: {blocker}: is not a directory (choose a directory)\n"
    assert blocker.read_text(encoding="utf-8") == "a file\n"


def test_a_budget_stops_within_a_point_between_verdicts_and_keeps_nothing_half_done(unaccepted: Engine) -> None:
    """On a large rule base one point takes seconds: the budget is asked before each verdict, and the point is not recorded."""
    space = ScenarioSpace.of(unaccepted.rule_base)
    fresh = Observer(unaccepted, space)
    point = next(point for point in space.points() if fresh.shows(fresh.observe(point)))
    readings = []

    def clock() -> float:
        readings.append(len(readings))
        return float(len(readings))

    observer = Observer(unaccepted, space, Budget(deadline=3, clock=clock))
    with pytest.raises(OutOfTime):
        observer.observe(point)
    assert len(readings) == 3, "one reading before the point, then one before each verdict until the deadline"
    assert observer.points == [] and observer.shown_in == {}
    observer.budget = Budget()
    assert observer.shows(observer.observe(point)) == fresh.shows(fresh.observe(point)) != set()

"""SIGINT and SIGTERM: an interrupted forecast raises, never returns a wrong answer; the command ends cleanly.

durable_rules swallows an exception raised inside its action dispatch, so an
interrupt landing there once gave a forecast with firings missing. The
engine holds SIGINT and SIGTERM while durable_rules runs and delivers them
afterwards (`engine.matching.durable.held_signals`). The library test
interrupts hundreds of forecasts, each at a different moment, in a fresh
interpreter; the command-line tests interrupt `forecast check --consistency`
under a pseudo-terminal, where it draws a progress bar and hides the cursor.

The moment of each interrupt is not a time but a count: a profile hook
raises the signal at the k-th call or return of a Python or C function
during the forecast, with k drawn at random (seeded), so every run of the
test interrupts at the same places, whatever the machine's speed.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import random
import re
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Invoke

from engine.errors import BudgetReached, EngineFailure, ForecastError, InputError, Interrupted
from engine.matching import durable
from engine.model import Scenario
from engine.pipeline import Engine

ROOT = Path(__file__).resolve().parent.parent
PYTHON = [sys.executable, "-W", "error", "-W", "ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning"]

INTERRUPT_FORECASTS = """
    import json, random, signal, sys
    from pathlib import Path

    from engine.consistency import ScenarioSpace
    from engine.errors import Interrupted
    from engine.pipeline import Engine

    number, trials, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    # Python leaves SIGINT ignored when it starts with it ignored (a background job of a
    # script, as CI may run the tests): give it the handler an interactive start gives.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if number == signal.SIGTERM:
        def terminate(received, frame):
            raise Interrupted(received)

        signal.signal(signal.SIGTERM, terminate)  # as the command line does
    engine = Engine.open(Path("rules"))
    space = ScenarioSpace.of(engine.rule_base)
    rng = random.Random(seed)
    scenarios = [space.values(point) for point in rng.sample(space.points(), 40)]
    expected = [engine.forecast(values) for values in scenarios]

    calls = 0
    target = 0

    def count(frame, event, arg):
        global calls
        calls += 1
        if calls == target:
            signal.raise_signal(number)

    most = 0
    for values in scenarios:
        calls, target = 0, 0
        sys.setprofile(count)
        engine.forecast(values)
        sys.setprofile(None)
        most = max(most, calls)

    seen = {"returned": 0, "wrong": 0, "interrupted": 0, "raised": []}
    for trial in range(trials):
        index = rng.randrange(len(scenarios))
        calls, target = 0, rng.randint(1, most + most // 10)
        try:
            sys.setprofile(count)
            try:
                forecast = engine.forecast(scenarios[index])
            finally:
                sys.setprofile(None)
        except KeyboardInterrupt as error:
            seen["interrupted"] += 1
            seen["raised"] = sorted({*seen["raised"], type(error).__name__})
            continue
        seen["returned" if forecast == expected[index] else "wrong"] += 1
    seen["correct_after"] = all(engine.forecast(values) == wanted for values, wanted in zip(scenarios, expected))
    print(json.dumps(seen))
"""


@pytest.mark.parametrize(
    ("number", "raised"), [(signal.SIGINT, "KeyboardInterrupt"), (signal.SIGTERM, "Interrupted")], ids=["SIGINT", "SIGTERM"]
)
def test_an_interrupted_forecast_raises_and_never_returns_a_wrong_answer(number: int, raised: str) -> None:
    """Hundreds of forecasts, each interrupted at a different moment: each raises, or returns the uninterrupted answer."""
    result = subprocess.run(
        [*PYTHON, "-c", textwrap.dedent(INTERRUPT_FORECASTS), str(int(number)), "300", "9"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["wrong"] == 0, seen
    assert seen["interrupted"] > 0 and seen["returned"] > 0, f"the interrupts should land both inside and after: {seen}"
    assert seen["raised"] == [raised]
    assert seen["correct_after"], "the engine answers correctly after the interrupts"


def test_a_holding_handler_left_in_place_is_seen_through(shipped_engine: Engine, repo_root: Path) -> None:
    """An interrupt raised while the handlers are restored can leave the engine's holding handler in place.

    It passes signals on; the next forecast sees through it to the real handler and puts that back, so
    holders never pile up on each other.
    """
    _, expected = shipped_engine.forecast_file(repo_root / "scenarios" / "junta_pays.yaml")
    left = durable._Hold({signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL})
    left.holding = False
    signal.signal(signal.SIGINT, left)
    try:
        assert shipped_engine.forecast(expected.values) == expected
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def test_an_interrupt_that_something_swallowed_still_ends_the_command(
    forecast_cli: Invoke, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A gc callback or C code may swallow the KeyboardInterrupt a signal raised: the command still ends as interrupted."""
    forecast_scenario = Engine.forecast_scenario

    def swallowing(self: Engine, scenario: Scenario, **options: Any) -> object:
        with contextlib.suppress(KeyboardInterrupt):  # as `except BaseException: pass` in a library would
            signal.raise_signal(signal.SIGINT)
        return forecast_scenario(self, scenario, **options)

    monkeypatch.setattr(Engine, "forecast_scenario", swallowing)
    result = forecast_cli(repo_root / "scenarios" / "junta_pays.yaml", "--rules", repo_root / "rules")
    assert result.exit_code == 130
    assert result.stderr == "forecast: interrupted (SIGINT)\n"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler, "the command's handlers are gone after it"


def _synthetic_rule_base(directory: Path, variables: int) -> Path:
    """`variables` booleans with a fact and two clashing stances each: more classes than an exhaustive search takes."""
    rules = directory / "rules"
    rules.mkdir(parents=True)
    (directory / "seeds").mkdir()
    vocabulary = ["variables:"]
    for index in range(variables):
        vocabulary += [f"  v{index}:", "    type: boolean", f"    meaning: Switch {index}."]
    vocabulary += ["facts:", *(f"  f{index}:\n    meaning: From v{index}." for index in range(variables))]
    vocabulary += ["questions:", "  q:", "    text: Which way?", "    outcomes: [low, mid, high]"]
    (rules / "vocabulary.yaml").write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    (rules / "lexicons").mkdir()
    plain = Path(__file__).resolve().parent / "fixtures" / "picnic" / "rules" / "lexicons" / "plain.yaml"
    (rules / "lexicons" / "plain.yaml").write_text(plain.read_text(encoding="utf-8"), encoding="utf-8")
    (rules / "experts.yaml").write_text(
        "experts:\n  analyst:\n    name: Analyst\n    affiliation: Test\n    kind: analyst\n", encoding="utf-8"
    )
    lines = ["rules:"]
    for index in range(variables):
        after = (index + 1) % variables
        lines += [
            f"  - {{id: analyst.fact{index}, expert: analyst, assumption: a, when: {{var: v{index}, is: true}}, then: {{fact: f{index}}}}}",
            f"  - {{id: analyst.up{index}, expert: analyst, assumption: a,"
            f" when: {{all: [{{fact: f{index}}}, {{var: v{after}, is: false}}]}}, then: {{question: q, is_not: low}}}}",
            f"  - {{id: analyst.down{index}, expert: analyst, assumption: a,"
            f" when: {{all: [{{var: v{index}, is: false}}, {{var: v{after}, is: true}}]}}, then: {{question: q, is: low}}}}",
        ]
    (rules / "analyst.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rules


@pytest.fixture(scope="module")
def long_search(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rule base whose consistency check is searched by hypothesis (2**21 classes, past the exhaustive limit) and runs for a while."""
    return _synthetic_rule_base(tmp_path_factory.mktemp("long"), 21)


def _read_until(descriptor: int, wanted: bytes, process: subprocess.Popen[bytes]) -> bytes:
    """Read a pseudo-terminal until `wanted` appears (or the process ends)."""
    seen = b""
    while wanted not in seen:
        ready, _, _ = select.select([descriptor], [], [], 60)
        assert ready, f"nothing on the terminal for a minute; so far {seen!r}"
        try:
            chunk = os.read(descriptor, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    return seen


def _as_from_a_terminal() -> None:
    """In the child: SIGINT as a terminal's shell gives it, even when the tests run as a background job that ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize(("number", "code", "word"), [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")])
def test_a_signal_stops_the_consistency_check_with_one_line_and_the_cursor_back(
    number: int, code: int, word: str, long_search: Path
) -> None:
    """Ctrl-C (or SIGTERM) during the search: exit 130 (143), one line, no traceback, and the hidden cursor shown again."""
    controller, terminal = pty.openpty()
    command = Path(sys.executable).parent / "forecast"
    process = subprocess.Popen(
        [command, "check", "--consistency", "--rules", long_search],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env={**os.environ, "TERM": "xterm"},
        preexec_fn=_as_from_a_terminal,
    )
    os.close(terminal)
    try:
        shown = _read_until(controller, b"\x1b[?25l", process)  # the progress bar hid the cursor
        assert b"\x1b[?25l" in shown, shown
        process.send_signal(number)
        stdout, _ = process.communicate(timeout=120)
        shown += _read_until(controller, b"\x1b[?25h", process)
        shown += _read_until(controller, f"forecast: {word}".encode(), process)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
    text = shown.decode(errors="replace")
    assert process.returncode == code, text
    assert stdout == b""
    assert "Traceback" not in text and "Exception ignored" not in text, text
    assert text.rindex("\x1b[?25h") > text.rindex("\x1b[?25l"), "the cursor is shown again after it was hidden"
    after_bar = re.sub(r"\x1b\[\?25[hl]", "", text[text.rindex("\x1b[?25h") :]).replace("\r", "").strip("\n")
    assert after_bar == f"forecast: {word} ({signal.Signals(number).name})"


@pytest.fixture(scope="module")
def pooled_search(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A rule base searched exhaustively (2**19 classes, under the limit), in the worker pool with --jobs 2, for minutes."""
    return _synthetic_rule_base(tmp_path_factory.mktemp("pooled"), 19)


def _blocked_as_from_a_terminal() -> None:
    """In the child: SIGINT as from a terminal, but blocked until the command's own code lets it through.

    Python installs its handler and imports `site` before any of the command's
    code runs; a signal in that time is Python's to report, not ours. Blocked,
    a signal sent that early waits, and arrives the moment `engine.signals`
    has its handlers in, which is the earliest the command can answer it.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


def _alive_in_group(group: int) -> list[str]:
    """The processes of a process group that are still running (a zombie has ended; init reaps it)."""
    alive = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):  # not a process, or gone meanwhile
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            alive.append(f"{entry.name} {(entry / 'cmdline').read_bytes()[:120]!r}")
    return alive


def test_ctrl_c_once_twice_or_thrice_at_random_moments_ends_the_pooled_check_at_once(pooled_search: Path, tmp_path: Path) -> None:
    """`check --consistency --jobs 2`, sent SIGINT 1, 2 or 3 times at random moments (seeded), from the very start.

    Each run ends with 130 (or dies of the SIGINT, which a shell reports as 130, when the last one lands in
    Python's own shutdown), one line and no traceback on stderr, nothing on stdout, and no process of its
    group still running: the workers are killed, not waited for. The signals go to the whole process group,
    as a terminal's Ctrl-C does. FORECAST_SIGNAL_RUNS=200 makes a long run.
    """
    rng = random.Random(int(os.environ.get("FORECAST_SIGNAL_SEED", "130")))
    command = Path(sys.executable).parent / "forecast"
    for run in range(int(os.environ.get("FORECAST_SIGNAL_RUNS", "6"))):
        delays = sorted(rng.choice([0.0, rng.uniform(0, 0.1), rng.uniform(0, 1.5)]) for _ in range(1 + run % 3))
        process = subprocess.Popen(
            [command, "check", "--consistency", "--jobs", "2", "--rules", pooled_search],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "FORECAST_CACHE_DIR": str(tmp_path / "cache")},
            start_new_session=True,
            preexec_fn=_blocked_as_from_a_terminal,
        )
        started = time.monotonic()
        try:
            for delay in delays:
                time.sleep(max(0.0, started + delay - time.monotonic()))
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGINT)
            stdout, stderr = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        told = stderr.decode(errors="replace")
        assert process.returncode in (130, -signal.SIGINT), (delays, process.returncode, told)
        assert stdout == b"", delays
        assert told == "forecast: interrupted (SIGINT)\n", (delays, told)
        for _ in range(100):  # the resource tracker ends when it sees its parent gone
            if not (alive := _alive_in_group(process.pid)):
                break
            time.sleep(0.05)
        assert not alive, (delays, alive)


def test_the_readme_lists_every_exit_code() -> None:
    """The README's exit-code table names exactly the codes the error tree gives, with 0 for done."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| exit code | meaning |", 1)[1].split("\n\n", 1)[0]
    documented = {int(row.split("|")[1]) for row in table.splitlines() if re.match(r"^\| \d+ \|", row)}
    given = {
        ForecastError.exit_code,
        EngineFailure.exit_code,
        InputError.exit_code,
        BudgetReached.exit_code,
        Interrupted(signal.SIGINT).exit_code,
        Interrupted(signal.SIGTERM).exit_code,
    }
    assert documented == {0, *given} == {0, 1, 2, 3, 130, 143}

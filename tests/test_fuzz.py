"""Byte-level mutations of the shipped files: every run ends with 0, 1 or 2, never a traceback, never a hang.

Hypothesis picks a shipped scenario, rule, vocabulary, experts, checks or
seed file, changes a few of its bytes (flips a bit, inserts, deletes or
repeats a span, or puts in bytes that YAML and the engine care about: `:`,
`[`, `&a`, `*a`, `!!python/object`, a tab, NUL, 0xff, a lone UTF-8 lead
byte, `yes`, `0x10`, `1e309`, a zero-width space, a C1 control, numbers of
400, 401 and 5,000 digits, ...), or writes a value as a double-quoted
string that escapes a control character first (`"\\e]0;...\\a..."`, OSC 52,
`\\x9b`, DEL, NUL, ...), and runs `forecast` on it in-process: the scenario
against the shipped rules, or a shipped scenario against a copy of the rule
base holding the mutated file. One run in twenty puts a named pipe where
the file was instead, which must be refused, never waited on.

The contract: exit 0, 1 or 2; no traceback and no internal error or engine
failure; an exit 2 is exactly one line on stderr and nothing on stdout; no
control character but tab and newline in the output, ever. A
run that hangs is stopped after `HANG_SECONDS` with every thread's stack
(faulthandler), failing the run: that is no time limit on the work, only
on a hang.

The size is a setting: `FORECAST_FUZZ_EXAMPLES` (default 200, what CI
runs, the same examples every time). A long run by hand, random unless
`FORECAST_FUZZ_SEED` is set:

    FORECAST_FUZZ_EXAMPLES=20000 python -m pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import faulthandler
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Invoke
from hypothesis import HealthCheck, event, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("FORECAST_FUZZ_EXAMPLES", "200"))
SEED = os.environ.get("FORECAST_FUZZ_SEED")
HANG_SECONDS = 120

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
RULE_BASE = sorted(
    path
    for folder, pattern in (("rules", "*.yaml"), ("rules/lexicons", "*.yaml"), ("seeds", "*.yaml"), ("seeds", "*.txt"))
    for path in (ROOT / folder).glob(pattern)
)
FILES = [*SCENARIOS, *RULE_BASE]
ORIGINAL = {path: path.read_bytes() for path in FILES}

INTERESTING = [
    b":", b": ", b"-", b"- ", b"[", b"]", b"{", b"}", b",", b"&a ", b"*a", b"!", b"!!python/object/apply:os.system ['true'] ",
    b"!!int ", b"#", b"'", b'"', b"|", b">", b"%", b"@", b"`", b"?", b"<<: ", b"---\n", b"...\n", b"\t", b"\n", b"\r", b" ",
    b"\x00", b"\x07", b"\x1b", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\xe2\x80\x8b", b"\xd0\xb0", b"yes", b"no", b"on", b"~",
    b"null", b"true", b"0x10", b"012", b"0o17", b"1_000", b"1:30", b"1e309", b".inf", b".nan", b"-1", b"99999", b"1" + b"0" * 400,
    b"1" + b"0" * 399, b"9" * 5000, b"-1e400", b"0." + b"0" * 400 + b"1", b"\x7f", b"\xc2\x9b", b"\xc2\x85", b"\\e", b"\\x1b",
]  # fmt: skip
ESCAPES = [
    b"\\e]0;owned\\a", b"\\e]52;c;cm0gLXJmIH4K\\a", b"\\x1b[2J", b"\\x9b31m", b"\\u009d8;;x\\u009c", b"\\x7f", b"\\0", b"\\r",
    b"\\b", b"\\N", b"\\t", b"\\n", b"\\e",
]  # fmt: skip
"""YAML escapes of control characters, for a double-quoted string: OSC title and clipboard, CSI, C1, DEL, NUL, CR, ..."""
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@st.composite
def mutations(draw: st.DrawFn) -> tuple[Path, bytes]:
    """A shipped file and its bytes after one to four random edits."""
    path = draw(st.sampled_from(FILES))
    data = bytearray(ORIGINAL[path])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "replace", "escape"]))
        if edit == "escape":
            _escape_a_value(data, at, draw(st.sampled_from(ESCAPES)))
        elif edit == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "insert":
            data[at:at] = draw(st.sampled_from(INTERESTING) | st.binary(min_size=1, max_size=4))
        elif edit == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif edit == "repeat":
            span = bytes(data[at : at + draw(st.integers(1, 80))])
            data[at:at] = span * draw(st.integers(1, 3))
        else:
            data[at : at + draw(st.integers(1, 8))] = draw(st.sampled_from(INTERESTING))
    return path, bytes(data)


def _escape_a_value(data: bytearray, at: int, escape: bytes) -> None:
    """The first plain value from `at` on (after `: ` or `- `, up to the end of its line) double-quoted, `escape` first."""
    found = re.compile(rb"(?::|^ *-) ([^\n\"'\\#\[\]{}|>&*!]+)$", re.MULTILINE).search(bytes(data), at)
    if found is not None:
        data[found.start(1) : found.end(1)] = b'"' + escape + found.group(1) + b'"'


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of rules/ and seeds/ for the mutated rule base files, and a place for mutated scenarios."""
    root = tmp_path_factory.mktemp("fuzz")
    shutil.copytree(ROOT / "rules", root / "rules")
    shutil.copytree(ROOT / "seeds", root / "seeds")
    return root


@pytest.fixture
def watchdog() -> Iterator[None]:
    """Ends the process with every thread's stack if one run hangs (`HANG_SECONDS`)."""
    yield
    faulthandler.cancel_dump_traceback_later()


def _check(result: object, what: str) -> None:
    exit_code = result.exit_code  # type: ignore[attr-defined]
    stdout, stderr = result.stdout, result.stderr  # type: ignore[attr-defined]
    context = f"{what}: exit {exit_code}\nstdout: {stdout[-500:]!r}\nstderr: {stderr!r}"
    exception = result.exception  # type: ignore[attr-defined]
    assert exception is None or isinstance(exception, SystemExit), f"{context}\n{exception!r}"
    assert exit_code in (0, 1, 2), context
    assert "Traceback" not in stdout + stderr, context
    assert "internal error" not in stderr and "engine failure" not in stderr, context
    assert not CONTROL.search(stdout + stderr), context
    if exit_code == 2:
        assert stdout == "", context
        assert stderr.startswith("forecast: error: ") and stderr.endswith("\n") and stderr.count("\n") == 1, context
    else:
        assert stderr.count("\n") <= 1, context


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=SEED is None and "FORECAST_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@pytest.mark.slow
@seed(int(SEED or 0))
@given(mutation=mutations(), pipe=st.integers(0, 19).map(lambda draw: draw == 0))
def test_a_mutated_file_gets_a_forecast_or_one_line(
    mutation: tuple[Path, bytes], pipe: bool, copy: Path, forecast_cli: Invoke, watchdog: None, repo_root: Path
) -> None:
    original, data = mutation
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    target = copy / "scenario.yaml" if original in SCENARIOS else copy / original.relative_to(ROOT)
    target.unlink(missing_ok=True)
    if pipe:
        os.mkfifo(target)
    else:
        target.write_bytes(data)
    try:
        if original in SCENARIOS:
            result = forecast_cli("run", target, "--rules", repo_root / "rules")
        else:
            result = forecast_cli("run", repo_root / "scenarios" / "article_baseline.yaml", "--rules", copy / "rules")
    finally:
        if original not in SCENARIOS:
            target.unlink()
            target.write_bytes(ORIGINAL[original])
    faulthandler.cancel_dump_traceback_later()
    event(f"{'scenario' if original in SCENARIOS else 'rule base'} exit {result.exit_code}")  # type: ignore[attr-defined]
    _check(result, f"{original.relative_to(ROOT)} {'a named pipe' if pipe else 'mutated'}")
    if pipe:
        assert result.exit_code == 2 and "is a named pipe, expected a regular file" in result.stderr  # type: ignore[attr-defined]

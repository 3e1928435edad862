"""Byte-level mutations of the shipped files: every run ends with 0, 1 or 2, never a traceback, never a hang.

Hypothesis picks a shipped scenario, rule, vocabulary, experts, checks or
seed file, changes a few of its bytes (flips a bit, inserts, deletes or
repeats a span, or puts in bytes that YAML and the engine care about: `:`,
`[`, `&a`, `*a`, `!!python/object`, a tab, NUL, 0xff, a lone UTF-8 lead
byte, `yes`, `0x10`, `1e309`, a zero-width space, ...) and runs `forecast`
on it in-process: the scenario against the shipped rules, or a shipped
scenario against a copy of the rule base holding the mutated file.

The contract: exit 0, 1 or 2; no traceback and no internal error or engine
failure; an exit 2 is exactly one line on stderr and nothing on stdout. A
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
]  # fmt: skip


@st.composite
def mutations(draw: st.DrawFn) -> tuple[Path, bytes]:
    """A shipped file and its bytes after one to four random edits."""
    path = draw(st.sampled_from(FILES))
    data = bytearray(ORIGINAL[path])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["flip", "insert", "delete", "repeat", "replace"]))
        if edit == "flip" and at < len(data):
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
@seed(int(SEED or 0))
@given(mutation=mutations())
def test_a_mutated_file_gets_a_forecast_or_one_line(
    mutation: tuple[Path, bytes], copy: Path, forecast_cli: Invoke, watchdog: None, repo_root: Path
) -> None:
    original, data = mutation
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True)
    if original in SCENARIOS:
        target = copy / "scenario.yaml"
        target.write_bytes(data)
        result = forecast_cli("run", target, "--rules", repo_root / "rules")
    else:
        target = copy / original.relative_to(ROOT)
        target.write_bytes(data)
        try:
            result = forecast_cli("run", repo_root / "scenarios" / "article_baseline.yaml", "--rules", copy / "rules")
        finally:
            target.write_bytes(ORIGINAL[original])
    faulthandler.cancel_dump_traceback_later()
    event(f"{'scenario' if original in SCENARIOS else 'rule base'} exit {result.exit_code}")  # type: ignore[attr-defined]
    _check(result, f"{original.relative_to(ROOT)} mutated")

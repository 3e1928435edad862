"""Bad input gets one clear line, exit code 2, no traceback and no output.

The product standard: "Bad input gets a clear one-line error that names the
file, line and key, says what was expected, and suggests the fix where it
can; exit code 2; no traceback (unless --debug); nothing half-written."

Each bad scenario starts from scenarios/article_baseline.yaml and breaks one
thing; each bad rule base is a copy of rules/ and seeds/ with one thing
broken. The expected line is found in the broken text itself, so the tests
say which line the error must point at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from engine.errors import EngineFailure
from engine.pipeline import Engine

Invoke = Callable[..., Result]

ROOT = Path(__file__).resolve().parent.parent
BASELINE = (ROOT / "scenarios" / "article_baseline.yaml").read_text(encoding="utf-8")
SEED_ID = "rferl-2024-08-wagner-mali-tinzaouaten"

LOCATED = re.compile(r"^forecast: error: (?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<rest>.*)$")


def replace_once(text: str, old: str, new: str) -> str:
    """`text` with the one occurrence of `old` replaced; fails loudly if `old` is not there once."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """1-based number of the line holding the `occurrence`-th `marker`."""
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if marker in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{marker!r} not in text")


def assert_one_error_line(result: Result, path: Path, line: int | None, key: str | None, phrases: tuple[str, ...]) -> str:
    """The common contract of a refused input; returns the message after the location."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == "", "no partial output on stdout"
    assert "Traceback" not in result.output
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, f"not one line: {result.stderr!r}"
    message = result.stderr.rstrip("\n")
    if line is None:
        prefix = f"forecast: error: {path}: "
        assert message.startswith(prefix), message
        rest = message[len(prefix) :]
        assert not re.match(r"\d+:", rest), f"unexpected line number in {message!r}"
    else:
        match = LOCATED.match(message)
        assert match is not None, message
        assert match["path"] == str(path)
        assert int(match["line"]) == line, message
        rest = match["rest"]
    if key is not None:
        # The key path comes first; a case may name only its leading part ("rules[1].when").
        assert rest.startswith(key) and rest[len(key)] in ":.[", f"key {key!r} not named first in {rest!r}"
    for phrase in phrases:
        assert phrase in rest, f"{phrase!r} not in {message!r}"
    return rest


# --- bad scenario files -------------------------------------------------------


@dataclass(frozen=True)
class BadScenario:
    """One way to break a scenario file: its content, where the error points and what it says."""

    content: Callable[[], str | bytes] | None
    line: Callable[[str], int] | None
    key: str | None
    phrases: tuple[str, ...]
    kind: str = "file"  # "file", "directory" or "missing"


def _edit(old: str, new: str) -> Callable[[], str]:
    return lambda: replace_once(BASELINE, old, new)


def _at(marker: str, occurrence: int = 1) -> Callable[[str], int]:
    return lambda text: line_of(text, marker, occurrence)


def _alias_bomb() -> str:
    """Billion laughs: nine levels of nine aliases each, a few hundred bytes of text."""
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 9)}]")
        previous = name
    return "\n".join(lines) + "\n"


def _deep_nesting() -> str:
    """Nesting that would crash libyaml's recursive composer (a C stack overflow)."""
    return "name: x\nvariables: " + "[" * 50_000 + "]" * 50_000 + "\n"


def _alias_chain() -> str:
    """Each anchor nests the previous one: shallow text, a deep document."""
    lines = ["a0: &a0 [x]", *(f"a{index}: &a{index} [*a{index - 1}]" for index in range(1, 2000))]
    return "\n".join(lines) + "\n"


SCENARIO_CASES: dict[str, BadScenario] = {
    "yaml-syntax-error": BadScenario(
        _edit("  junta_pays: false\n", "  junta_pays: false: true\n"),
        _at("junta_pays: false: true"),
        None,
        ("YAML syntax error",),
    ),
    "yaml-unterminated-quote": BadScenario(
        _edit("name: The situation as the article reports it", 'name: "The situation as the article reports it'),
        lambda text: len(text.splitlines()) + 1,
        None,
        ("YAML syntax error",),
    ),
    "unknown-variable": BadScenario(
        _edit("junta_pays: false", "junta_pay: false"),
        _at("junta_pay: false"),
        "variables.junta_pay",
        ("unknown variable 'junta_pay'", "did you mean 'junta_pays'?"),
    ),
    "unknown-level": BadScenario(
        _edit("kremlin_investment: high", "kremlin_investment: hihg"),
        _at("kremlin_investment: hihg"),
        "variables.kremlin_investment",
        ("expected one of low, moderate, high", "got hihg", "did you mean 'high'?"),
    ),
    "string-for-boolean": BadScenario(
        _edit("junta_pays: false", 'junta_pays: "no"'),
        _at('junta_pays: "no"'),
        "variables.junta_pays",
        ("expected true or false for boolean 'junta_pays'", "got 'no'"),
    ),
    "float-for-integer": BadScenario(
        _edit("deadly_clashes: 1\n", "deadly_clashes: 1.5\n"),
        _at("deadly_clashes: 1.5"),
        "variables.deadly_clashes",
        ("expected a whole number", "got 1.5"),
    ),
    "bool-for-number": BadScenario(
        _edit("wagner_fighters: 1100", "wagner_fighters: true"),
        _at("wagner_fighters: true"),
        "variables.wagner_fighters",
        ("expected a number (fighters) for 'wagner_fighters'", "got true"),
    ),
    "number-out-of-range": BadScenario(
        _edit("deadly_clashes: 1\n", "deadly_clashes: 31\n"),
        _at("deadly_clashes: 31"),
        "variables.deadly_clashes",
        ("31 is out of range", "expected 0 to 30"),
    ),
    "missing-variable": BadScenario(
        _edit("  cruel_conduct: true\n", ""),
        _at("variables:"),
        "variables",
        ("missing variable 'cruel_conduct'", "forecast new"),
    ),
    "missing-name": BadScenario(
        _edit("name: The situation as the article reports it\n", ""),
        lambda text: 1,
        "name",
        ("missing key 'name'", "add 'name:'"),
    ),
    "name-not-a-string": BadScenario(
        _edit("name: The situation as the article reports it", "name: [a, b]"),
        _at("name: [a, b]"),
        "name",
        ("expected text", "got ['a', 'b']"),
    ),
    "variables-not-a-mapping": BadScenario(
        _edit("variables:\n", "variables: 3\nspare:\n"),
        _at("variables: 3"),
        "variables",
        ("expected a mapping of variable: value", "got 3"),
    ),
    "misspelt-top-level-key": BadScenario(
        _edit("expect:\n", "expects:\n"),
        _at("expects:"),
        "expects",
        ("unknown key 'expects'", "did you mean 'expect'?"),
    ),
    "unknown-top-level-key": BadScenario(
        lambda: BASELINE + "extra: 1\n",
        _at("extra: 1"),
        "extra",
        ("unknown key 'extra'", "expected one of: description, expect, extends, name, variables"),
    ),
    "duplicate-key": BadScenario(
        _edit("  cruel_conduct: true\n", "  cruel_conduct: true\n  junta_pays: true\n"),
        _at("junta_pays:", occurrence=2),
        "variables.junta_pays",
        ("duplicate key 'junta_pays' (first at line 9)", "remove one of them"),
    ),
    "empty-file": BadScenario(lambda: "", lambda text: 1, None, ("file is empty, expected a YAML mapping",)),
    "only-comments": BadScenario(lambda: "# a scenario\n# to be written\n", lambda text: 1, None, ("file is empty",)),
    "directory": BadScenario(None, None, None, ("is a directory, expected a YAML file",), kind="directory"),
    "missing-file": BadScenario(None, None, None, ("no such file", "check the path"), kind="missing"),
    "non-utf8-bytes": BadScenario(
        lambda: replace_once(BASELINE, "  heavy_losses: true\n", "  heavy_losses: tr\xffe\n").encode("latin-1"),
        _at("heavy_losses: tr"),
        None,
        ("byte 0xff is not UTF-8", "save the file as UTF-8"),
    ),
    "unsafe-python-tag": BadScenario(
        _edit("name: The situation as the article reports it", 'name: !!python/object/apply:os.system ["echo hi"]'),
        lambda text: 1,
        "name",
        ("unsafe or unknown YAML tag", "python/object/apply:os.system", "remove the tag"),
    ),
    "custom-tag": BadScenario(
        _edit("cruel_conduct: true", "cruel_conduct: !custom true"),
        _at("!custom"),
        "variables.cruel_conduct",
        ("unsafe or unknown YAML tag '!custom'",),
    ),
    "alias-bomb": BadScenario(_alias_bomb, lambda text: 1, None, ("more than 100000 nodes", "alias bomb")),
    "alias-to-itself": BadScenario(lambda: "name: x\nvariables: &loop [*loop]\n", _at("variables:"), "variables", ("an alias to itself",)),
    "alias-chain-too-deep": BadScenario(_alias_chain, lambda text: 1, "a49", ("nested more than 50 levels deep", "through aliases")),
    "deep-nesting": BadScenario(_deep_nesting, _at("variables:"), None, ("nested more than 50 levels deep", "flatten the document")),
    "merge-key": BadScenario(lambda: BASELINE + "<<: {a: 1}\n", _at("<<:"), None, ("merge keys ('<<') are not supported",)),
    "oversized-file": BadScenario(
        lambda: BASELINE + "# " + "x" * 1_000_001 + "\n",
        None,
        None,
        ("larger than the 1000000-byte limit", "split it into smaller files"),
    ),
    "several-documents": BadScenario(
        lambda: BASELINE + "---\n" + BASELINE,
        lambda text: line_of(text, "---") + 1,
        None,
        ("holds several YAML documents, expected one", "remove the '---' separator"),
    ),
    # A number may be a key (scenario forms map values to weights); where a name is expected, it is an unknown key.
    "integer-key": BadScenario(lambda: BASELINE + "1: x\n", _at("1: x"), "1", ("unknown key 1", "expected one of: description")),
    "float-key": BadScenario(lambda: BASELINE + "1.5: x\n", _at("1.5: x"), "1.5", ("unknown key 1.5",)),
    "duplicate-number-key": BadScenario(
        lambda: BASELINE + "1: a\n1.0: b\n", _at("1.0: b"), "1.0", ("duplicate key 1.0 (first at line ", "remove one of them")
    ),
    "boolean-key": BadScenario(lambda: BASELINE + "true: x\n", _at("true: x"), None, ("keys must be names or numbers, got true",)),
    "null-key": BadScenario(lambda: BASELINE + "~: x\n", _at("~: x"), None, ("keys must be names or numbers, got ~",)),
    "list-key": BadScenario(lambda: BASELINE + "? [a]\n: x\n", _at("? [a]"), None, ("keys must be names or numbers, got a list",)),
    "integer-key-in-variables": BadScenario(
        _edit("  cruel_conduct: true\n", "  cruel_conduct: true\n  7: true\n"),
        _at("  7: true"),
        "variables.7",
        ("unknown variable 7",),
    ),
    "integer-key-in-expect": BadScenario(_edit("  junta_protector:\n", "  3:\n"), _at("  3:"), "expect.3", ("unknown question 3",)),
    # YAML 1.1 forms: read by YAML 1.2's rules, never silently as something else, and echoed as written.
    "yes-for-boolean": BadScenario(
        _edit("junta_pays: false", "junta_pays: yes"),
        _at("junta_pays: yes"),
        "variables.junta_pays",
        ("expected true or false for boolean 'junta_pays', got yes", "did you mean 'true'?"),
    ),
    "off-for-boolean": BadScenario(
        _edit("cruel_conduct: true", "cruel_conduct: Off"), _at("cruel_conduct: Off"), "variables.cruel_conduct", ("got Off", "'false'?")
    ),
    "no-for-level": BadScenario(
        _edit("mali_resources: limited", "mali_resources: no"),
        _at("mali_resources: no"),
        "variables.mali_resources",
        ("expected one of limited, substantial for 'mali_resources', got no",),
    ),
    "leading-zero": BadScenario(
        _edit("deadly_clashes: 1\n", "deadly_clashes: 012\n"),
        _at("deadly_clashes: 012"),
        "variables.deadly_clashes",
        ("expected a number", "got 012", "did you mean 12?"),
    ),
    "hexadecimal": BadScenario(
        _edit("deadly_clashes: 1\n", "deadly_clashes: 0x10\n"), _at("0x10"), "variables.deadly_clashes", ("got 0x10", "did you mean 16?")
    ),
    "octal": BadScenario(
        _edit("deadly_clashes: 1\n", "deadly_clashes: 0o17\n"), _at("0o17"), "variables.deadly_clashes", ("got 0o17", "did you mean 15?")
    ),
    "sexagesimal": BadScenario(
        _edit("wagner_fighters: 1100", "wagner_fighters: 1:30"),
        _at("1:30"),
        "variables.wagner_fighters",
        ("expected a number (fighters) for 'wagner_fighters', got 1:30", "base 60"),
    ),
    "underscores": BadScenario(
        _edit("wagner_fighters: 1100", "wagner_fighters: 1_100"),
        _at("1_100"),
        "variables.wagner_fighters",
        ("got 1_100", "did you mean 1100?"),
    ),
    "quoted-number": BadScenario(
        _edit("wagner_fighters: 1100", 'wagner_fighters: "1100"'),
        _at('"1100"'),
        "variables.wagner_fighters",
        ("got '1100'", "write it without quotes"),
    ),
    "explicit-tag-on-a-1.1-form": BadScenario(
        _edit("junta_pays: false", "junta_pays: !!bool yes"),
        _at("!!bool yes"),
        "variables.junta_pays",
        ("'yes' is not a YAML 1.2 bool", "remove the tag"),
    ),
    "float-overflow": BadScenario(
        _edit("wagner_fighters: 1100", "wagner_fighters: 1e309"),
        _at("1e309"),
        "variables.wagner_fighters",
        ("expected a finite number (fighters) for 'wagner_fighters', got 1e309",),
    ),
    "huge-integer": BadScenario(
        _edit("wagner_fighters: 1100", "wagner_fighters: 1" + "0" * 400),
        _at("wagner_fighters: 1000"),
        "variables.wagner_fighters",
        ("100000000000000000000000000000...0000000000 (401 characters) is out of range", "expected 0 to 10000 fighters"),
    ),
    "long-number-for-text": BadScenario(
        _edit("name: The situation as the article reports it", "name: " + "7" * 300),
        _at("name: 777"),
        "name",
        ("expected text, got 777777777777777777777777777777...7777777777 (300 characters)", "quote it"),
    ),
    "too-many-digits": BadScenario(
        _edit("wagner_fighters: 1100", "wagner_fighters: " + "9" * 5000),
        _at("wagner_fighters: 999"),
        "variables.wagner_fighters",
        ("the number 999", "(5000 characters) has too many digits"),
    ),
    "nul-character": BadScenario(
        _edit("  heavy_losses: true\n", "  heavy_losses: tr\x00ue\n"),
        _at("heavy_losses: tr"),
        None,
        ("character U+0000 is not allowed in a YAML file", "remove it"),
    ),
    "control-character": BadScenario(
        _edit("name: The situation", "name: The \x1b[31msituation"), _at("name: The"), None, ("character U+001B is not allowed",)
    ),
    "line-break-in-a-key": BadScenario(
        _edit("junta_pays: false", '"junta\\npays": false'),
        _at("junta"),
        "variables",
        ("key has U+000A LINE FEED at character 6, a control character", "remove it"),
    ),
    "tab-in-a-key": BadScenario(
        _edit("junta_pays: false", '"junta_pays\\t": false'),
        _at("junta"),
        "variables",
        ("key has U+0009 CHARACTER TABULATION at character 11",),
    ),
    "escaped-osc-title-in-the-name": BadScenario(
        _edit("name: The situation as the article reports it", 'name: "The situation\\e]0;owned\\a as the article reports it"'),
        _at("name: "),
        "name",
        ("text has U+001B ESCAPE at character 14, a control character", "(remove it)"),
    ),
    "osc-52-clipboard-in-the-description": BadScenario(
        _edit("description: >-\n  Early", 'description: "\\x1b]52;c;cm0gLXJmIH4K\\x07"\nx_description: >-\n  Early'),
        _at("description: "),
        "description",
        ("text has U+001B ESCAPE at character 1",),
    ),
    "c1-control-sequence-introducer-in-the-name": BadScenario(
        _edit("name: The situation as the article reports it", 'name: "The \\u009b2J situation"'),
        _at("name: "),
        "name",
        ("text has U+009B CONTROL SEQUENCE INTRODUCER at character 5",),
    ),
    "delete-in-an-expected-outcome": BadScenario(
        _edit("    favours: [curtail, maintain, increase]", '    favours: [curtail, "maintain\\x7f", increase]'),
        _at("maintain\\x7f"),
        "expect.russia_presence.favours[1]",
        ("text has U+007F DELETE at character 9",),
    ),
    "carriage-return-in-a-level": BadScenario(
        _edit("mali_resources: limited", 'mali_resources: "limited\\r"'),
        _at("mali_resources: "),
        "variables.mali_resources",
        ("text has U+000D CARRIAGE RETURN at character 8",),
    ),
    "zero-width-space-in-a-key": BadScenario(
        _edit("junta_pays: false", "junta_pays\u200b: false"),
        _at("junta_pays"),
        None,
        ("unknown variable 'junta_pays\\u200b'", "did you mean 'junta_pays'?; the name has U+200B ZERO WIDTH SPACE at character 11"),
    ),
    "cyrillic-letter-in-a-key": BadScenario(
        _edit("junta_pays: false", "junta_p\u0430ys: false"),
        _at("junta_p"),
        None,
        ("did you mean 'junta_pays'?; the name has U+0430 CYRILLIC SMALL LETTER A at character 8",),
    ),
    # Uncertain inputs: every way to get one wrong is one located line at the value or the key inside it.
    "chance-above-one": BadScenario(
        _edit("junta_pays: false", "junta_pays: {chance: 1.5}"),
        _at("junta_pays: {chance"),
        "variables.junta_pays.chance",
        ("expected a probability from 0 to 1 for 'junta_pays' being true, got 1.5",),
    ),
    "table-not-summing-to-one": BadScenario(
        _edit("kremlin_investment: high", "kremlin_investment: {high: 0.5, moderate: 0.4}"),
        _at("kremlin_investment: {high"),
        "variables.kremlin_investment",
        ("sum to 0.9", "1"),
    ),
    "value-out-of-range-in-a-table": BadScenario(
        _edit("wagner_fighters: 1100", "wagner_fighters: {1100: 0.5, 20000: 0.5}"),
        _at("wagner_fighters: {1100"),
        "variables.wagner_fighters.20000",
        ("20000 is out of range for 'wagner_fighters': expected 0 to 10000 fighters",),
    ),
    "unknown-level-in-a-table": BadScenario(
        _edit("kremlin_investment: high", "kremlin_investment: {hihg: 0.5, moderate: 0.5}"),
        _at("kremlin_investment: {hihg"),
        "variables.kremlin_investment.hihg",
        ("'hihg' is not a level of 'kremlin_investment'", "did you mean 'high'?"),
    ),
    "between-upside-down": BadScenario(
        _edit("deadly_clashes: 1\n", "deadly_clashes: {between: [5, 1]}\n"),
        _at("deadly_clashes: {between"),
        "variables.deadly_clashes.between",
        ("'between' goes from 5 up to 1", "write [1, 5]"),
    ),
    "misspelt-likelihood-word": BadScenario(
        _edit("junta_pays: false", "junta_pays: likley"),
        _at("junta_pays: likley"),
        "variables.junta_pays",
        ("got likley", "did you mean 'likely'?"),
    ),
    "word-with-no-likelihood": BadScenario(
        _edit("junta_pays: false", "junta_pays: may"),
        _at("junta_pays: may"),
        "variables.junta_pays",
        ("'may' gives no likelihood for 'junta_pays'", "a word with a range such as 'likely'"),
    ),
    "word-for-a-level": BadScenario(
        _edit("kremlin_investment: high", "kremlin_investment: likely"),
        _at("kremlin_investment: likely"),
        "variables.kremlin_investment",
        ("expected one of low, moderate, high for 'kremlin_investment', got likely",),
    ),
    "status-expected-of-an-uncertain-scenario": BadScenario(
        _edit("junta_pays: false", "junta_pays: {chance: 0.3}"),
        _at("status: one voice"),
        "expect.russia_presence.status",
        ("'status' needs a certain scenario, and junta_pays is given chances", "pin 'bounds' or 'pooled' instead"),
    ),
    "bounds-upside-down": BadScenario(
        _edit("    status: one voice\n    favours: [curtail, maintain, increase]", "    bounds: {weiss: {withdraw: [0.45, 0.2]}}"),
        _at("bounds: {weiss"),
        "expect.russia_presence.bounds.weiss.withdraw",
        ("expected [low, high], two probabilities from 0 to 1, low first, got [0.45, 0.2]",),
    ),
    "a-1.x-outcome-names-the-key-that-replaces-it": BadScenario(
        _edit("    favours: [keep_russia]", "    outcome: [keep_russia]"),
        _at("outcome: [keep_russia]"),
        "expect.junta_protector.outcome",
        ("'outcome' is a 1.x expectation: write 'favours'", "run `forecast migrate` to rewrite old files"),
    ),
    "a-1.x-status-names-the-status-that-replaces-it": BadScenario(
        _edit("    status: no stance\n    speakers: [tuareg_separatists]", "    status: no-stance\n    speakers: [tuareg_separatists]"),
        _at("status: no-stance"),
        "expect.ambush_casualties.status",
        ("'no-stance' is a 1.x status: write 'no stance'", "run `forecast migrate` to rewrite old files"),
    ),
    "no-value-yet": BadScenario(
        _edit("junta_pays: false", "junta_pays:"),
        _at("junta_pays:"),
        "variables.junta_pays",
        ("no value for 'junta_pays' yet", "decide one: true | false"),
    ),
    "expected-speaker-who-never-speaks-on-it": BadScenario(
        _edit("increase]\n    speakers: [weiss]", "increase]\n    speakers: [siegle]"),
        _at("speakers: [siegle]"),
        "expect.russia_presence.speakers[0]",
        ("expert 'siegle' has no rule on 'russia_presence', so it can never speak on it",),
    ),
    "top-level-list": BadScenario(
        lambda: "- junta_pays\n- mali_resources\n", lambda text: 1, None, ("expected a mapping at the top of the file, got list",)
    ),
    "expect-unknown-question": BadScenario(
        _edit("  junta_protector:\n", "  junta_protektor:\n"),
        _at("junta_protektor:"),
        "expect.junta_protektor",
        ("unknown question 'junta_protektor'", "did you mean 'junta_protector'?"),
    ),
    "expect-unknown-favoured-outcome": BadScenario(
        _edit("favours: [keep_russia]", "favours: [keep_rusia]"),
        _at("keep_rusia"),
        "expect.junta_protector.favours[0]",
        ("'keep_rusia' is not an outcome of 'junta_protector'", "did you mean 'keep_russia'?"),
    ),
    "expect-unknown-speaker": BadScenario(
        _edit("speakers: [tuareg_separatists]", "speakers: [tuareg_separatist]"),
        _at("speakers: [tuareg_separatist]"),
        "expect.ambush_casualties.speakers[0]",
        ("unknown expert 'tuareg_separatist'", "did you mean 'tuareg_separatists'?"),
    ),
    "expect-unknown-status": BadScenario(
        _edit("  tinzaouaten_toll:\n    status: no stance", "  tinzaouaten_toll:\n    status: no-stanse"),
        _at("no-stanse"),
        "expect.tinzaouaten_toll.status",
        ("expected one of no stance, one voice, agree, compatible, conflict", "got no-stanse", "did you mean 'no stance'?"),
    ),
}


def write_case(case: BadScenario, tmp_path: Path) -> tuple[Path, int | None]:
    """Put the broken scenario in place; returns its path and the line the error must name."""
    if case.kind == "directory":
        path = tmp_path / "scenario.yaml"
        path.mkdir()
        return path, None
    if case.kind == "missing":
        return tmp_path / "no_such_scenario.yaml", None
    assert case.content is not None
    path = tmp_path / "scenario.yaml"
    content = case.content()
    if isinstance(content, bytes):
        path.write_bytes(content)
        text = content.decode("latin-1")
    else:
        path.write_text(content, encoding="utf-8")
        text = content
    return path, case.line(text) if case.line else None


@pytest.mark.parametrize("form", ["run", "default"], ids=["run-FILE", "FILE"])
@pytest.mark.parametrize("case", list(SCENARIO_CASES.values()), ids=list(SCENARIO_CASES))
def test_bad_scenario_is_one_located_line_and_exit_2(
    case: BadScenario, form: str, tmp_path: Path, forecast_cli: Invoke, repo_root: Path
) -> None:
    """Every kind of broken scenario: exit 2, one line naming path:line and key, no output, no traceback."""
    path, line = write_case(case, tmp_path)
    args = ["run", path] if form == "run" else [path]
    result = forecast_cli(*args, "--rules", repo_root / "rules")
    assert_one_error_line(result, path, line, case.key, case.phrases)


def test_an_unreadable_scenario_is_one_located_line(
    tmp_path: Path, forecast_cli: Invoke, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not click's usage error: the engine opens the file and says why it cannot (here as any user but root would see it)."""
    path = tmp_path / "scenario.yaml"
    path.write_text(BASELINE, encoding="utf-8")
    opened = os.open

    def refuse(name: str | Path, flags: int, *args: Any, **kwargs: Any) -> int:
        if Path(name) == path:
            raise PermissionError(13, "Permission denied", str(name))
        return opened(name, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # what click consulted
    for command in (["run", path], [path], ["check", path], ["new", "x", "--from", path, "-o", tmp_path / "x.yaml"]):
        result = forecast_cli(*command, "--rules", repo_root / "rules")
        assert result.exit_code == (1 if command[0] == "check" else 2), result.output
        stream = result.stdout if command[0] == "check" else result.stderr
        assert f"{path}: cannot read: permission denied (check the file's permissions)" in stream
        assert "Usage:" not in result.output
    assert not (tmp_path / "x.yaml").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_scenario_in_a_real_process(tmp_path: Path, repo_root: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(BASELINE, encoding="utf-8")
    path.chmod(0)
    command = Path(sys.executable).parent / "forecast"
    result = subprocess.run([command, path, "--rules", repo_root / "rules"], check=False, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"forecast: error: {path}: cannot read: permission denied (check the file's permissions)\n"


@pytest.mark.parametrize("kind", ["symlink-loop", "not-a-directory"])
def test_a_path_that_cannot_be_opened_says_why(kind: str, tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """A symbolic link loop was once reported as 'no such file'."""
    if kind == "symlink-loop":
        path = tmp_path / "one.yaml"
        path.symlink_to(tmp_path / "two.yaml")
        (tmp_path / "two.yaml").symlink_to(path)
        expected = "is a symbolic link that leads back to itself (point the link at a file)"
    else:
        (tmp_path / "file").write_text("x\n", encoding="utf-8")
        path = tmp_path / "file" / "scenario.yaml"
        expected = "a part of the path is not a directory (check the path)"
    result = forecast_cli(path, "--rules", repo_root / "rules")
    assert_one_error_line(result, path, None, None, (expected,))


def test_unsafe_tag_is_never_constructed(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """A python/object tag is refused before anything runs: the command it names has no effect."""
    witness = tmp_path / "pwned"
    path = tmp_path / "scenario.yaml"
    path.write_text(f'name: !!python/object/apply:os.system ["touch {witness}"]\n' + BASELINE.split("\n", 1)[1], encoding="utf-8")
    result = forecast_cli(path, "--rules", repo_root / "rules")
    assert_one_error_line(result, path, 1, "name", ("unsafe or unknown YAML tag",))
    assert not witness.exists()


def test_the_baseline_itself_is_fine(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """The cases above break a scenario that runs: their errors come from the breakage alone."""
    path = tmp_path / "scenario.yaml"
    path.write_text(BASELINE, encoding="utf-8")
    result = forecast_cli(path, "--rules", repo_root / "rules")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


# --- bad rule bases -------------------------------------------------------------


@dataclass(frozen=True)
class BadRuleBase:
    """One way to break a copy of the shipped rule base."""

    file: str  # relative to the copy's root, e.g. "rules/weiss.yaml"
    old: str
    new: str
    marker: str  # the error's line is the line holding this, in the broken file
    key: str
    phrases: tuple[str, ...]
    occurrence: int = 1
    extra: dict[str, tuple[str, str]] = field(default_factory=dict)  # other files: {path: (old, new)}


_CYCLE_RULES = """
  - id: analyst.cycle_a
    expert: analyst
    assumption: A holds unless B does.
    when: {not: {fact: cycle_b}}
    then: {fact: cycle_a}

  - id: analyst.cycle_b
    expert: analyst
    assumption: B holds unless A does.
    when: {not: {fact: cycle_a}}
    then: {fact: cycle_b}
"""

RULE_CASES: dict[str, BadRuleBase] = {
    "unknown-variable-in-condition": BadRuleBase(
        "rules/weiss.yaml",
        "{var: alienated_west, is: true}",
        "{var: alienated_wset, is: true}",
        "alienated_wset",
        "rules[2].when.var",
        ("unknown variable 'alienated_wset'", "did you mean 'alienated_west'?"),
    ),
    "unknown-fact": BadRuleBase(
        "rules/analyst.yaml",
        "- {fact: force_insufficient}",
        "- {fact: force_insuficient}",
        "force_insuficient",
        "rules[1].when.any[0].fact",
        ("unknown fact 'force_insuficient'", "did you mean 'force_insufficient'?"),
    ),
    "unknown-question-in-then": BadRuleBase(
        "rules/weiss.yaml",
        "then: {question: junta_protector,",
        "then: {question: junta_protectr,",
        "junta_protectr",
        "rules[2].then.question",
        ("unknown question 'junta_protectr'", "did you mean 'junta_protector'?"),
    ),
    "unknown-outcome-in-then": BadRuleBase(
        "rules/weiss.yaml",
        "is_not: drop_russia}",
        "is_not: drop_rusia}",
        "drop_rusia",
        "rules[2].then.is_not",
        ("'drop_rusia' is not an outcome of 'junta_protector'", "did you mean 'drop_russia'?"),
    ),
    "quote-not-in-seed": BadRuleBase(
        "rules/osborn.yaml",
        "seems to be a failure.",
        "seems to be a disaster.",
        "seems to be a disaster",
        "rules[2].source.quote",
        (f"quote not found verbatim in seed '{SEED_ID}'", "then differs"),
    ),
    "hedge-not-in-quote": BadRuleBase(
        "rules/weiss.yaml",
        "hedge: may  #",
        "hedge: probably not  #",
        "hedge: probably not",
        "rules[1].hedge",
        ("hedge 'probably not' is not in the rule's quote", "copy the hedge words exactly"),
    ),
    "wrong-expert-prefix": BadRuleBase(
        "rules/weiss.yaml",
        "id: weiss.fewer_assaults",
        "id: siegle.fewer_assaults",
        "id: siegle.fewer_assaults",
        "rules[1].id",
        ("rule id 'siegle.fewer_assaults' does not start with its expert 'weiss.'", "rename to 'weiss.fewer_assaults'"),
    ),
    "unknown-expert": BadRuleBase(
        "rules/siegle.yaml",
        'expert: siegle\n    source:\n      seed: rferl-2024-08-wagner-mali-tinzaouaten\n      quote: "is a big deal',
        'expert: siegel\n    source:\n      seed: rferl-2024-08-wagner-mali-tinzaouaten\n      quote: "is a big deal',
        "expert: siegel",
        "rules[0].expert",
        ("unknown expert 'siegel'", "did you mean 'siegle'?"),
    ),
    "duplicate-rule-id-across-files": BadRuleBase(
        "rules/weiss.yaml",
        "",
        "",
        "id: weiss.no_pullout",
        "rules[0].id",
        ("duplicate rule id 'weiss.no_pullout' (first at ", "osborn.yaml:3:5)", "rename one of them"),
        extra={"rules/osborn.yaml": ("id: osborn.agreements_violated", "id: weiss.no_pullout")},
    ),
    "analyst-rule-without-assumption": BadRuleBase(
        "rules/analyst.yaml",
        "    assumption: Three deadly clashes",
        "    note: Three deadly clashes",
        "expert: analyst",
        "rules[0].expert",
        ("an analyst rule must state its 'assumption'", "add 'assumption: <what you assume>'"),
    ),
    "expert-rule-without-source": BadRuleBase(
        "rules/siegle.yaml",
        "    source:\n      seed: rferl-2024-08-wagner-mali-tinzaouaten\n"
        '      quote: "is a big deal because it punctures the myths that there has been an improvement in security'
        ' under the military juntas"\n',
        "",
        "expert: siegle",
        "rules[0].expert",
        ("rule of expert 'siegle' has no 'source'", "add 'source: {seed: ..., quote: ...}'"),
    ),
    "condition-with-two-operators": BadRuleBase(
        "rules/weiss.yaml",
        "when: {var: heavy_losses, is: true}\n    then: {question: wagner_assault_role",
        "when: {var: heavy_losses, is: true, is_not: false}\n    then: {question: wagner_assault_role",
        "is_not: false",
        "rules[1].when",
        ("has several operators (is, is_not), expected exactly one",),
    ),
    "condition-without-operator": BadRuleBase(
        "rules/weiss.yaml",
        "when: {var: alienated_west, is: true}",
        "when: {var: alienated_west}",
        "{var: alienated_west}",
        "rules[2].when",
        ("needs one operator next to 'var'", "at_least"),
    ),
    "condition-of-no-known-kind": BadRuleBase(
        "rules/weiss.yaml",
        "when: {var: alienated_west, is: true}",
        "when: {variable: alienated_west, is: true}",
        "{variable: alienated_west",
        "rules[2].when",
        ("expected a condition", "'var', 'fact', 'all', 'any', 'not'"),
    ),
    "misspelt-rule-key": BadRuleBase(
        "rules/weiss.yaml",
        "    hedge: may  #",
        "    hegde: may  #",
        "hegde: may",
        "rules[1].hegde",
        ("unknown key 'hegde'", "did you mean 'hedge'?"),
    ),
    "seed-text-modified": BadRuleBase(
        f"seeds/{SEED_ID}.yaml",
        "",
        "",
        "sha256:",
        "sha256",
        (f"seed text {SEED_ID}.txt has sha256", "not the recorded 8e58bcb227cf", "restore the original text"),
        extra={f"seeds/{SEED_ID}.txt": ("", "\nA sentence added later.\n")},
    ),
    "negation-cycle": BadRuleBase(
        "rules/analyst.yaml",
        "",
        _CYCLE_RULES,
        "when: {not: {fact: cycle_b}}",
        "rules[3].when",
        ("negation cycle: analyst.cycle_a -> analyst.cycle_b -> analyst.cycle_a", "break the cycle"),
        extra={"rules/vocabulary.yaml": ("facts:\n", "facts:\n  cycle_a:\n    meaning: A.\n  cycle_b:\n    meaning: B.\n")},
    ),
    "hedge-in-no-lexicon": BadRuleBase(
        "rules/weiss.yaml",
        "    hedge: may  #",
        "    hedge: may not  #",
        "hedge: may not",
        "rules[1].hedge",
        ("hedge 'may not' is in no entry of lexicons 'icd203', 'kent'", "add it to lexicons/icd203.yaml, lexicons/kent.yaml"),
    ),
    "conclusion-contradicts-its-hedge": BadRuleBase(
        "rules/weiss.yaml",
        '    rates: {question: russia_presence, is: withdraw}  # "unlikely to ... pull out": the hedge rates the pull-out\n',
        "",
        "then: {question: russia_presence, is_not: withdraw}",
        "rules[0].then",
        ("concludes russia_presence is not withdraw", 'hedge "unlikely" puts P(curtail or maintain or increase) 20-45%', "'rates'"),
    ),
    "weight-on-a-source": BadRuleBase(
        "rules/experts.yaml",
        "    affiliation: Wagner-linked Telegram channel\n    kind: source\n",
        "    affiliation: Wagner-linked Telegram channel\n    kind: source\n    weight: 2\n",
        "    weight: 2",
        "experts.wagner_orchestra.weight",
        ("a weight sets an expert's share of the pool; a source's claims are reported apart and never pooled", "remove 'weight'"),
    ),
    "rates-another-question": BadRuleBase(
        "rules/weiss.yaml",
        "rates: {question: russia_presence, is: withdraw}",
        "rates: {question: junta_protector, is: withdraw}",
        "rates: {question: junta_protector",
        "rules[0].rates.question",
        ("a hedge rates an event of the conclusion's own question 'russia_presence'",),
    ),
    "lexicon-range-upside-down": BadRuleBase(
        "rules/lexicons/icd203.yaml",
        "  - words: [seems]\n    range: [0.55, 0.80]",
        "  - words: [seems]\n    range: [0.80, 0.55]",
        "range: [0.80, 0.55]",
        "readings[1].range",
        ("the range's low 0.8 is above its high 0.55",),
    ),
    "two-default-lexicons": BadRuleBase(
        "rules/lexicons/kent.yaml",
        "extends: kent\n",
        "extends: kent\ndefault: true\n",
        "default: true",
        "default",
        ("lexicon 'icd203' is the default already", "keep one 'default: true'"),
    ),
    "yes-in-a-condition": BadRuleBase(
        "rules/weiss.yaml",
        "when: {var: heavy_losses, is: true}\n    then: {question: wagner_assault_role",
        "when: {var: heavy_losses, is: yes}\n    then: {question: wagner_assault_role",
        "is: yes}",
        "rules[1].when.is",
        ("expected true or false for boolean 'heavy_losses', got yes", "did you mean 'true'?"),
    ),
    "number-where-a-rule-key-belongs": BadRuleBase(
        "rules/weiss.yaml",
        "    hedge: may  #",
        "    1: x\n    hedge: may  #",
        "    1: x",
        "rules[1].1",
        ("unknown key 1",),
    ),
    "unconfirmed-without-the-seeds-words": BadRuleBase(
        "rules/experts.yaml",
        "    confirmed: false\n    confirmation:\n      seed: rferl-2024-08-wagner-mali-tinzaouaten\n"
        '      quote: "RFE/RL could not confirm the authenticity of the footage"\n'
        '      context:\n        - "The Telegram channel Wagner Orchestra reported that"\n',
        "    confirmed: false\n",
        "    confirmed: false",
        "experts.wagner_orchestra.confirmed",
        ("speaker 'wagner_orchestra' is unconfirmed but gives no words of the seed saying so", "add 'confirmation:"),
    ),
    "confirmation-not-in-seed": BadRuleBase(
        "rules/experts.yaml",
        "The Telegram channel Wagner Orchestra reported that",
        "The Telegram channel Wagner Orchestra confirmed that",
        "Wagner Orchestra confirmed that",
        "experts.wagner_orchestra.confirmation.context[0]",
        (f"quote not found verbatim in seed '{SEED_ID}'", "then differs"),
    ),
    "number-as-an-expert-id": BadRuleBase(
        "rules/experts.yaml",
        "experts:\n",
        "experts:\n  7:\n    name: Seven\n    affiliation: Nowhere\n",
        "  7:",
        "experts.7",
        ("7 is not a valid name, expected a lower_snake_case name",),
    ),
    "yes-for-a-strict-boolean": BadRuleBase(
        "rules/vocabulary.yaml",
        "    unit: fighters\n",
        "    unit: fighters\n    integer: yes\n",
        "integer: yes",
        "variables.wagner_fighters.integer",
        ("input should be a valid boolean, got yes", "did you mean 'true'?"),
    ),
    "infinite-bound": BadRuleBase(
        "rules/vocabulary.yaml",
        "    max: 10000\n",
        "    max: .inf\n",
        "  wagner_fighters:",
        "variables.wagner_fighters",
        ("min and max must be finite numbers, not inf",),
    ),
    "rule-file-named-yml": BadRuleBase(
        "rules/notes.yml",
        "",
        "rules: []\n",
        "rules: []",
        "",
        ("is named .yml, and only *.yaml files are read", "rename it to notes.yaml"),
    ),
    "seed-named-yml": BadRuleBase(
        "seeds/notes.yml",
        "",
        "id: notes\n",
        "id: notes",
        "",
        ("is named .yml, and only *.yaml files are read", "rename it to notes.yaml"),
    ),
    "look-alike-letter-in-a-variable": BadRuleBase(
        "rules/weiss.yaml",
        "- {var: heavy_losses",
        "- {var: heavy_l\u043esses",
        "var: heavy_l\u043esses",
        "rules[0].when.all[0].var",
        ("is not a valid name", "the name has U+043E CYRILLIC SMALL LETTER O at character 8"),
    ),
    "lexicon-named-yml": BadRuleBase(
        "rules/lexicons/notes.yml",
        "",
        "name: notes\n",
        "name: notes",
        "",
        ("is named .yml, and only *.yaml files are read", "rename it to notes.yaml"),
    ),
    "rule-file-named-upper-case-yaml": BadRuleBase(
        "rules/notes.YAML",
        "",
        "rules: [\n",
        "rules: [",
        "",
        ("is named .YAML, and only *.yaml files are read", "rename it to notes.yaml"),
    ),
    "yaml-error-in-rule-file": BadRuleBase(
        "rules/weiss.yaml",
        "    hedge: unlikely\n    rates: {question: russia_presence",
        "\thedge: unlikely\n    rates: {question: russia_presence",
        "\thedge: unlikely",
        "",
        ("YAML syntax error", "(indent with spaces, not tabs)"),
    ),
}


def _control(file: str, line: str, escape: str, key: str, name: str, at: int = 1) -> BadRuleBase:
    """`line` of the shipped `file` with its value double-quoted and the YAML escape `escape` put first in it."""
    indent, value = line.split(": ", 1)
    text = value[1:] if value.startswith('"') else value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    new = f'{indent}: "{escape}{text}'
    return BadRuleBase(file, line, new, new, key, (f"text has {name} at character {at}, a control character", "(remove it)"))


CONTROL_CASES: dict[str, BadRuleBase] = {
    "osc-title-in-a-rule-id": _control("rules/weiss.yaml", "  - id: weiss.no_pullout", "\\e]0;owned\\a", "rules[0].id", "U+001B ESCAPE"),
    "osc-52-clipboard-in-a-quote": _control(
        "rules/weiss.yaml",
        '      quote: "the losses are unlikely to cause Russia to pull its Wagner forces out of Mali like it did in Mozambique'
        ' following the killing of several fighters in that country."',
        "\\e]52;c;cm0gLXJmIH4K\\a",
        "rules[0].source.quote",
        "U+001B ESCAPE",
    ),
    "bell-in-a-note": _control(
        "rules/siegle.yaml",
        '    note: It is the rout that "exposes" the unsustainability, so the rule needs heavy losses.',
        "\\a",
        "rules[3].note",
        "U+0007 ALERT",
    ),
    "c1-csi-in-an-assumption": _control(
        "rules/analyst.yaml",
        next(line for line in (ROOT / "rules" / "analyst.yaml").read_text(encoding="utf-8").splitlines() if "assumption: Three" in line),
        "\\u009b2J",
        "rules[0].assumption",
        "U+009B CONTROL SEQUENCE INTRODUCER",
    ),
    "carriage-return-in-a-meaning": _control(
        "rules/vocabulary.yaml",
        "    meaning: Mali's junta agrees to pay Russia for more Wagner fighters.",
        "\\r",
        "variables.junta_pays.meaning",
        "U+000D CARRIAGE RETURN",
    ),
    "escape-in-a-question-text": _control(
        "rules/vocabulary.yaml",
        "    text: What will Russia do with Wagner's presence in Mali?",
        "\\x1b[2J",
        "questions.russia_presence.text",
        "U+001B ESCAPE",
    ),
    "backspace-in-an-expert-name": _control("rules/experts.yaml", "    name: Caleb Weiss", "\\b", "experts.weiss.name", "U+0008 BACKSPACE"),
    "next-line-in-an-affiliation": _control(
        "rules/experts.yaml",
        "    affiliation: Foundation for Defense of Democracies; expert on the Sahel, based in Uganda",
        "\\N",
        "experts.weiss.affiliation",
        "U+0085 NEXT LINE",
    ),
    "nul-in-seed-metadata": _control(
        f"seeds/{SEED_ID}.yaml",
        "publisher: Radio Free Europe/Radio Liberty (RFE/RL)",
        "\\0",
        "publisher",
        "U+0000 NULL",
    ),
    "delete-in-a-lexicon-note": _control(
        "rules/lexicons/kent.yaml",
        '    note: Read as Kent\'s "almost certain", the top of his scale short of certainty.',
        "\\x7f",
        "readings[0].note",
        "U+007F DELETE",
    ),
    "escape-in-a-level-name": BadRuleBase(
        "rules/vocabulary.yaml",
        "    levels: [limited, substantial]",
        '    levels: [limited, "sub\\estantial"]',
        "sub\\estantial",
        "variables.mali_resources.levels[1]",
        ("text has U+001B ESCAPE at character 4",),
    ),
    "escape-in-an-outcome-name": BadRuleBase(
        "rules/vocabulary.yaml",
        "    outcomes: [withdraw, curtail, maintain, increase]",
        '    outcomes: [withdraw, "curtail\\e[8m", maintain, increase]',
        "curtail\\e",
        "questions.russia_presence.outcomes[1]",
        ("text has U+001B ESCAPE at character 8",),
    ),
    "escape-in-a-lexicon-word": BadRuleBase(
        "rules/lexicons/icd203.yaml",
        "  - words: [inevitably]",
        '  - words: ["in\\eevitably"]',
        "in\\eevitably",
        "readings[0].words[0]",
        ("text has U+001B ESCAPE at character 3",),
    ),
    "too-many-digits-in-a-bound": BadRuleBase(
        "rules/vocabulary.yaml",
        "    max: 30\n",
        "    max: " + "9" * 5000 + "\n",
        "max: 999",
        "variables.deadly_clashes.max",
        ("(5000 characters) has too many digits", "(write a smaller number)"),
    ),
    "a-bound-past-any-float": BadRuleBase(
        "rules/vocabulary.yaml",
        "    max: 30\n",
        "    max: 1e400\n",
        "  deadly_clashes:",
        "variables.deadly_clashes",
        ("min and max must be finite numbers, not inf",),
    ),
    "a-401-digit-likelihood": BadRuleBase(
        "rules/lexicons/icd203.yaml",
        "  - words: [seems]\n    range: [0.55, 0.80]",
        "  - words: [seems]\n    range: [0.55, 1" + "0" * 400 + "]",
        "range: [0.55, 1000",
        "readings[1].range[1]",
        ("less than or equal to 1", "(401 characters)"),
    ),
    "a-401-digit-threshold": BadRuleBase(
        "rules/analyst.yaml",
        "{var: deadly_clashes, at_least: 3}",
        "{var: deadly_clashes, at_least: 1" + "0" * 400 + "}",
        "at_least: 1000",
        "rules[0].when.any[0].at_least",
        ("(401 characters) is out of range for 'deadly_clashes'",),
    ),
}
"""A control character in every kind of text a rule-base file gives, escaped in a quoted string (a raw one is refused with the file);
and numbers too long for any use."""
RULE_CASES.update(CONTROL_CASES)


def _edit_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    if old:
        text = replace_once(text, old, new)
    else:
        text += new  # an empty `old` appends
    path.write_text(text, encoding="utf-8")


def broken_rule_base(case: BadRuleBase, tmp_path: Path, repo_root: Path) -> tuple[Path, Path, int]:
    """A copy of rules/ and seeds/ with the case's breakage; returns (rules dir, bad file, line)."""
    shutil.copytree(repo_root / "rules", tmp_path / "rules")
    shutil.copytree(repo_root / "seeds", tmp_path / "seeds")
    for relative, (old, new) in case.extra.items():
        _edit_file(tmp_path / relative, old, new)
    bad = tmp_path / case.file
    if not bad.exists():
        bad.write_text("", encoding="utf-8")
    if case.old or case.new:
        _edit_file(bad, case.old, case.new)
    return tmp_path / "rules", bad, line_of(bad.read_text(encoding="utf-8"), case.marker, case.occurrence)


@pytest.mark.parametrize("case", list(RULE_CASES.values()), ids=list(RULE_CASES))
def test_bad_rule_base_refuses_to_run(case: BadRuleBase, tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """`forecast run` on a broken rule base: exit 2, one line naming the rule file, line and key."""
    rules, bad, line = broken_rule_base(case, tmp_path, repo_root)
    result = forecast_cli("run", repo_root / "scenarios" / "article_baseline.yaml", "--rules", rules)
    assert_one_error_line(result, bad, line, case.key or None, case.phrases)
    assert "more problem" not in result.stderr, "each case breaks exactly one thing"


@pytest.mark.parametrize("case", list(RULE_CASES.values()), ids=list(RULE_CASES))
def test_check_lists_the_problem_and_exits_1(case: BadRuleBase, tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """`forecast check` on the same broken rule base: exit 1, the problem on its own line of stdout."""
    rules, bad, line = broken_rule_base(case, tmp_path, repo_root)
    result = forecast_cli("check", "--rules", rules)
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    located = [text for text in lines if text.startswith(f"{bad}:{line}:")]
    assert len(located) == 1, result.stdout
    for phrase in case.phrases:
        assert phrase in located[0]
    assert lines[-1].startswith("1 problem in ") and lines[-1].endswith(f"in {rules.as_posix()}, 0 scenarios")


def test_a_folder_of_yaml_in_the_rule_base_is_refused_not_ignored(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """Rule files are read from rules/ and lexicons from rules/lexicons/: YAML in any other folder would go unnoticed."""
    shutil.copytree(repo_root / "rules", tmp_path / "rules")
    shutil.copytree(repo_root / "seeds", tmp_path / "seeds")
    (tmp_path / "rules" / "old").mkdir()
    (tmp_path / "rules" / "old" / "broken.yaml").write_text("rules: [\n", encoding="utf-8")
    (tmp_path / "rules" / "notes").mkdir()
    (tmp_path / "rules" / "notes" / "reading.txt").write_text("not YAML: left alone\n", encoding="utf-8")
    rules = tmp_path / "rules"
    ran = forecast_cli("run", repo_root / "scenarios" / "article_baseline.yaml", "--rules", rules)
    assert ran.exit_code == 2 and ran.stdout == ""
    assert ran.stderr.splitlines() == [
        f"forecast: error: {rules / 'old'}: is a folder of YAML files, and only the files of rules/ and rules/lexicons/ are read"
        " (move its files into rules/, or the folder out of it)"
    ]
    checked = forecast_cli("check", "--rules", rules)
    assert checked.exit_code == 1 and f"{rules / 'old'}: is a folder of YAML files" in checked.stdout
    assert "notes" not in checked.stdout


def test_check_collects_every_problem(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """Two independent problems in two files: check lists both, run names the first and counts the rest."""
    shutil.copytree(repo_root / "rules", tmp_path / "rules")
    shutil.copytree(repo_root / "seeds", tmp_path / "seeds")
    rules = tmp_path / "rules"
    _edit_file(rules / "weiss.yaml", "{var: alienated_west, is: true}", "{var: alienated_wset, is: true}")
    _edit_file(rules / "elischer.yaml", "    hedge: may\n", "    hedge: might\n")

    checked = forecast_cli("check", "--rules", rules)
    assert checked.exit_code == 1
    problems = checked.stdout.splitlines()[:-1]
    assert len(problems) == 2, checked.stdout
    assert problems[0].startswith(f"{rules / 'elischer.yaml'}:") and "hedge 'might' is not in the rule's quote" in problems[0]
    assert problems[1].startswith(f"{rules / 'weiss.yaml'}:") and "did you mean 'alienated_west'?" in problems[1]
    assert checked.stdout.splitlines()[-1].startswith("2 problems in ")

    as_json = forecast_cli("check", "--rules", rules, "--format", "json")
    assert as_json.exit_code == 1
    data = json.loads(as_json.stdout)
    assert data["ok"] is False
    assert [(problem["file"], problem["key"]) for problem in data["problems"]] == [
        ((rules / "elischer.yaml").as_posix(), "rules[2].hedge"),
        ((rules / "weiss.yaml").as_posix(), "rules[2].when.var"),
    ]
    assert all(isinstance(problem["line"], int) for problem in data["problems"])

    ran = forecast_cli("run", repo_root / "scenarios" / "article_baseline.yaml", "--rules", rules)
    assert ran.exit_code == 2 and ran.stdout == ""
    assert ran.stderr.count("\n") == 1
    scenario = (repo_root / "scenarios" / "article_baseline.yaml").as_posix()
    assert ran.stderr.rstrip("\n").endswith(f"(and 1 more problem: run `forecast check --rules {rules.as_posix()} {scenario}`)")


def test_check_refuses_a_scenario_named_yml_unless_it_is_named_on_the_command_line(
    tmp_path: Path, forecast_cli: Invoke, repo_root: Path
) -> None:
    """A *.yml scenario in the scenarios directory was silently skipped; named as FILE, it is read."""
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "fine.yaml").write_text(BASELINE, encoding="utf-8")
    (scenarios / "other.yml").write_text(BASELINE, encoding="utf-8")
    result = forecast_cli("check", "--rules", repo_root / "rules", "--scenarios", scenarios)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"{scenarios / 'other.yml'}:1:1: is named .yml, and only *.yaml files are read (rename it to other.yaml)"
    )
    named = forecast_cli("check", "--rules", repo_root / "rules", scenarios / "other.yml")
    assert named.exit_code == 0, named.output


def test_check_reports_a_missing_rules_directory(tmp_path: Path, forecast_cli: Invoke) -> None:
    """A --rules path that does not exist is bad input: exit 2 with one line."""
    missing = tmp_path / "nowhere"
    result = forecast_cli("check", "--rules", missing)
    assert_one_error_line(result, missing, None, None, ("rule base directory not found", "pass --rules DIR"))


# --- --debug and unexpected errors ------------------------------------------------


@pytest.mark.parametrize("where", ["first", "after-the-command", "last"])
def test_debug_adds_the_traceback_and_keeps_exit_2(where: str, tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """--debug, anywhere on the command line: the InputError's traceback, then the same one line, and still exit 2."""
    path = tmp_path / "scenario.yaml"
    path.write_text(replace_once(BASELINE, "junta_pays: false", "junta_pay: false"), encoding="utf-8")
    args: list[str | Path] = ["run", path, "--rules", repo_root / "rules"]
    position = {"first": 0, "after-the-command": 1, "last": len(args)}[where]
    result = forecast_cli(*args[:position], "--debug", *args[position:])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert re.search(r"^engine\.errors\.\w+: ", result.stderr, re.MULTILINE), "the error's class ends the traceback"
    last = result.stderr.splitlines()[-1]
    assert last.startswith(f"forecast: error: {path}:9:3: variables.junta_pay: ") and "(did you mean 'junta_pays'?)" in last


def test_debug_prints_a_traceback_in_a_real_process(tmp_path: Path, repo_root: Path) -> None:
    """The installed command: a traceback only with --debug; without, one line and exit 2."""
    path = tmp_path / "scenario.yaml"
    path.write_text(replace_once(BASELINE, "kremlin_investment: high", "kremlin_investment: hihg"), encoding="utf-8")
    command = Path(sys.executable).parent / "forecast"
    plain = subprocess.run([command, path, "--rules", repo_root / "rules"], check=False, capture_output=True, text=True, timeout=60)
    debug = subprocess.run(
        [command, path, "--rules", repo_root / "rules", "--debug"], check=False, capture_output=True, text=True, timeout=60
    )
    assert plain.returncode == 2 and plain.stdout == ""
    assert plain.stderr.count("\n") == 1 and "Traceback" not in plain.stderr
    assert plain.stderr.startswith(f"forecast: error: {path}:14:")
    assert debug.returncode == 2 and debug.stdout == ""
    assert debug.stderr.endswith(plain.stderr), "the same line closes the traceback"
    assert "Traceback (most recent call last)" in debug.stderr
    assert "engine.errors.InputError" in debug.stderr and "did you mean 'high'?" in debug.stderr


@pytest.fixture
def broken_forecast(monkeypatch: pytest.MonkeyPatch) -> Callable[[BaseException], None]:
    """Make the run path raise a chosen exception, as a bug deep inside the engine would."""

    def install(error: BaseException) -> None:
        def fail(self: Engine, *args: object, **kwargs: object) -> None:
            raise error

        monkeypatch.setattr(Engine, "forecast_scenario", fail)

    return install


def test_unexpected_error_is_one_line_and_exit_1(
    broken_forecast: Callable[[BaseException], None], forecast_cli: Invoke, repo_root: Path
) -> None:
    """A bug is not the user's fault: exit 1, one 'internal error' line, no traceback, no output."""
    broken_forecast(RuntimeError("boom"))
    result = forecast_cli(repo_root / "scenarios" / "heavy_fighting.yaml", "--rules", repo_root / "rules")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "forecast: internal error: RuntimeError: boom (run with --debug for the traceback)\n"
    assert "Traceback" not in result.output


def test_unexpected_error_shows_its_traceback_with_debug(
    broken_forecast: Callable[[BaseException], None], forecast_cli: Invoke, repo_root: Path
) -> None:
    """--debug shows the unexpected error's traceback; the exit code stays 1."""
    broken_forecast(RuntimeError("boom"))
    result = forecast_cli("--debug", repo_root / "scenarios" / "heavy_fighting.yaml", "--rules", repo_root / "rules")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("Traceback (most recent call last):")
    assert result.stderr.endswith("RuntimeError: boom\nforecast: internal error: RuntimeError: boom\n")


def test_engine_failure_is_exit_1(broken_forecast: Callable[[BaseException], None], forecast_cli: Invoke, repo_root: Path) -> None:
    """The rule engine misbehaving is exit 1 with its own one-line message."""
    broken_forecast(EngineFailure("a rule fired twice"))
    result = forecast_cli(repo_root / "scenarios" / "heavy_fighting.yaml", "--rules", repo_root / "rules")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "forecast: engine failure: a rule fired twice (run with --debug for the traceback)\n"


# --- -o FILE: nothing half-written ----------------------------------------------------


@pytest.mark.parametrize("case", ["unknown-variable", "yaml-syntax-error", "missing-file"])
def test_failed_run_creates_no_output_file(case: str, tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """When the run fails, -o FILE is not created and no temporary file is left beside it."""
    scenario_dir = tmp_path / "in"
    scenario_dir.mkdir()
    path, _ = write_case(SCENARIO_CASES[case], scenario_dir)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result = forecast_cli("run", path, "--rules", repo_root / "rules", "-o", out_dir / "report.txt")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert list(out_dir.iterdir()) == []


def test_failed_run_keeps_an_existing_output_file(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """A failed run leaves a previous report untouched, not truncated."""
    path, _ = write_case(SCENARIO_CASES["unknown-level"], tmp_path)
    out = tmp_path / "report.txt"
    out.write_text("previous report\n", encoding="utf-8")
    result = forecast_cli("run", path, "--rules", repo_root / "rules", "-o", out)
    assert result.exit_code == 2
    assert out.read_text(encoding="utf-8") == "previous report\n"
    assert sorted(item.name for item in tmp_path.iterdir()) == ["report.txt", "scenario.yaml"]


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_output_file_holds_exactly_what_stdout_would(fmt: str, tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """-o FILE writes the same bytes the command prints, and prints nothing itself."""
    scenario = repo_root / "scenarios" / "heavy_fighting.yaml"
    printed = forecast_cli(scenario, "--rules", repo_root / "rules", "--format", fmt)
    out = tmp_path / "report"
    written = forecast_cli(scenario, "--rules", repo_root / "rules", "--format", fmt, "-o", out)
    assert printed.exit_code == 0 and written.exit_code == 0
    assert written.stdout == ""
    assert out.read_bytes() == printed.stdout_bytes
    assert [item.name for item in tmp_path.iterdir()] == ["report"]


def test_output_into_a_missing_directory_is_bad_input(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """-o into a directory that does not exist: exit 2, one line, nothing created."""
    target = tmp_path / "missing" / "report.txt"
    result = forecast_cli(repo_root / "scenarios" / "heavy_fighting.yaml", "--rules", repo_root / "rules", "-o", target)
    assert_one_error_line(result, target.parent, None, None, ("directory does not exist", "create it first"))
    assert not target.parent.exists()


def test_several_problems_in_one_scenario_are_counted(forecast_cli: Invoke, tmp_path: Path) -> None:
    """The run names the first problem and counts the rest; `check` lists them all."""
    path = tmp_path / "two.yaml"
    path.write_text(
        BASELINE.replace("junta_pays: false", "junta_pays: maybe").replace("kremlin_investment: high", "kremlin_investment: hihg"),
        encoding="utf-8",
    )
    result = forecast_cli("run", path)
    assert result.exit_code == 2 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1
    assert "variables.junta_pays: expected true or false" in lines[0]
    assert lines[0].endswith(f"(and 1 more problem: run `forecast check {path}`)")
    # The suggested command reads this very file and lists both problems.
    checked = forecast_cli("check", path)
    assert checked.exit_code == 1
    assert "variables.junta_pays: expected true or false" in checked.stdout
    assert "variables.kremlin_investment: expected one of low, moderate, high" in checked.stdout


def test_a_level_far_from_every_level_lists_the_levels_once(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    path, _ = write_case(SCENARIO_CASES["no-for-level"], tmp_path)
    result = forecast_cli(path, "--rules", repo_root / "rules")
    assert result.exit_code == 2
    assert result.stderr.count("limited, substantial") == 1, result.stderr


@pytest.mark.parametrize("command", ["run", "new", "check", "rules", "seed", "lexicon"])
def test_a_named_pipe_is_refused_never_waited_on(command: str, tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """A FIFO where a file is read (scenario, `new --from`, a rule file, a seed, a lexicon): one located line, exit 2, no wait.

    Opening a named pipe for reading waits for a writer; nobody writes here, so a wait would hang the test.
    """
    pipe = tmp_path / "pipe.yaml"
    rules = tmp_path / "rules"
    shutil.copytree(repo_root / "rules", rules)
    seeds = tmp_path / "seeds"
    shutil.copytree(repo_root / "seeds", seeds)
    args: list[str | Path] = [pipe, "--rules", repo_root / "rules"]
    if command == "new":
        args = ["new", "made", "--from", pipe, "-o", tmp_path / "made.yaml", "--rules", repo_root / "rules"]
    elif command == "check":
        args = ["check", pipe, "--rules", repo_root / "rules"]
    elif command in ("rules", "seed", "lexicon"):
        pipe = {
            "rules": rules / "experts.yaml",
            "seed": next(path for path in seeds.rglob("*") if path.is_file() and path.suffix != ".yaml"),
            "lexicon": next((rules / "lexicons").iterdir()),
        }[command]
        args = [repo_root / "scenarios" / "junta_pays.yaml", "--rules", rules, "--seeds", seeds]
    if pipe.exists():
        pipe.unlink()
    os.mkfifo(pipe)
    result = forecast_cli(*args)
    assert result.exit_code == (1 if command == "check" else 2), result.output
    assert f"{pipe}: is a named pipe, expected a regular file" in result.output, result.output
    assert "Traceback" not in result.output


def test_an_integer_chance_past_any_float_is_a_located_error(tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """`{chance: 1000...0}` (321 digits, past 1e308): an integer with no float is refused as any chance over 1 is."""
    text = (repo_root / "scenarios" / "analyst_view.yaml").read_text(encoding="utf-8")
    assert "cruel_conduct: {chance: 0.8}" in text
    scenario = tmp_path / "huge.yaml"
    scenario.write_text(text.replace("{chance: 0.8}", "{chance: 1" + "0" * 320 + "}"), encoding="utf-8")
    result = forecast_cli(scenario, "--rules", repo_root / "rules")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"forecast: error: {scenario}:19:19: variables.cruel_conduct.chance: expected a probability from 0 to 1"
    )
    assert result.stderr.count("\n") == 1


# --- control characters on the way out -----------------------------------------------------------------


def test_control_characters_are_escaped_on_output_and_colour_is_kept_only_when_asked() -> None:
    """The last line of defence: escaped as \\u001b (never stripped); tab and newline kept; SGR colour kept with `colour`."""
    from engine.cli.terminal import escaped

    hostile = "a\x1b]0;owned\x07b\x1b]52;c;cm0=\x1b\\c\x9b2J\x7f\r\x00\tend\n"
    assert escaped(hostile) == "a\\u001b]0;owned\\u0007b\\u001b]52;c;cm0=\\u001b\\c\\u009b2J\\u007f\\u000d\\u0000\tend\n"
    assert escaped("\x1b[31mred\x1b[0m", colour=True) == "\x1b[31mred\x1b[0m"
    assert escaped("\x1b[31mred\x1b[0m") == "\\u001b[31mred\\u001b[0m"
    assert escaped("\x1b]0;t\x07", colour=True) == "\\u001b]0;t\\u0007", "only colour sequences are kept"
    plain = "Caleb Weiss \u201cunlikely\u201d 20-45%\n\tP(withdraw)\n"
    assert escaped(plain) == plain


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_a_hostile_file_name_reaches_no_output_raw(fmt: str, tmp_path: Path, forecast_cli: Invoke, repo_root: Path) -> None:
    """A path is the user's own text that no loader refuses: its ESC and BEL come out escaped, on stdout, in -o files and on stderr."""
    path = tmp_path / "a\x1b]0;owned\x07\x9b2Jb.yaml"
    path.write_text(BASELINE, encoding="utf-8")
    result = forecast_cli(path, "--format", fmt, "--rules", repo_root / "rules")
    assert result.exit_code == 0, result.output
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.stdout)
    assert "a\\u001b]0;owned\\u0007\\u009b2Jb.yaml" in result.stdout
    if fmt == "json":  # still JSON, and the path reads back as it is
        assert json.loads(result.stdout)["scenario"]["file"] == str(path)
    written = forecast_cli(path, "--format", fmt, "--rules", repo_root / "rules", "-o", tmp_path / "out")
    assert written.exit_code == 0 and (tmp_path / "out").read_text(encoding="utf-8") == result.stdout
    missing = forecast_cli(tmp_path / "x\x1b[2J.yaml", "--rules", repo_root / "rules")
    assert missing.exit_code == 2 and "\x1b" not in missing.stderr and "x\\x1b[2J.yaml" in missing.stderr


def test_every_control_character_has_its_unicode_name() -> None:
    """`unicodedata` names no control character; the table's names are Unicode's own aliases for them, C0, DEL and C1."""
    import unicodedata

    from engine.errors import CONTROL_NAMES, character_name

    assert sorted(map(ord, CONTROL_NAMES)) == [*range(0x20), 0x7F, *range(0x80, 0xA0)]
    assert all(unicodedata.lookup(name) == char for char, name in CONTROL_NAMES.items())
    assert character_name("\x1b") == "U+001B ESCAPE" and character_name("\u200b") == "U+200B ZERO WIDTH SPACE"


def test_the_literal_lexicon_beside_pinned_figures_is_one_located_line(forecast_cli: Invoke, repo_root: Path, tmp_path: Path) -> None:
    """`--lexicon literal` takes every claim at its word: it gives no figure to pin, and reads input words with the default lexicon."""
    path = repo_root / "scenarios" / "fighting_spreads.yaml"
    result = forecast_cli(path, "--lexicon", "literal", "--rules", repo_root / "rules")
    assert result.exit_code == 2 and result.stdout == ""
    line = next(number for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text.strip() == "bounds:")
    assert result.stderr.startswith(f"forecast: error: {path}:{line}:5: expect.russia_presence.bounds: pins likelihood figures")
    assert result.stderr.count("\n") == 1
    unpinned = tmp_path / "unpinned.yaml"
    unpinned.write_text(path.read_text(encoding="utf-8").split("\nexpect:", 1)[0] + "\n", encoding="utf-8")
    data = json.loads(forecast_cli(unpinned, "--lexicon", "literal", "--rules", repo_root / "rules", "-f", "json").stdout)
    assert data["lexicon"]["name"] == "literal"
    assert data["scenario"]["variables"]["cruel_conduct"] == {"word": "likely", "low": 0.55, "high": 0.8}, "read with icd203"

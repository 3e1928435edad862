"""How values are said: in error messages, in traces, in YAML files."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from engine.language.operators import Op, Value

if TYPE_CHECKING:
    pass


def show_value(value: object) -> str:
    """A value as YAML spells it, for an error message: `true`, `null`, `'text'`, `[1, 2]`."""
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        text = "[" + ", ".join(show_value(item) for item in value) + "]"
    elif isinstance(value, dict):
        text = "a mapping"
    else:
        text = repr(value)
    return shorten(text)


def shorten(text: str, limit: int = 60) -> str:
    """`text`, or for a long one its start and end around how many characters it has: `1000000...0000 (401 characters)`."""
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}...{text[-10:]} ({len(text)} characters)"


def echo(value: object, written: str | None) -> str:
    """A value as the user's file spells it (`no`, `1e309`) when known, else as YAML would."""
    return shorten(written) if written is not None else show_value(value)


_BOOLEAN_WORDS = {"yes": True, "y": True, "on": True, "no": False, "n": False, "off": False}
_NUMBER_FORMS: tuple[tuple[re.Pattern[str], str, Callable[[str], int | float] | None], ...] = (
    (re.compile(r"^[-+]?0[xX][0-9a-fA-F]+$"), "a hexadecimal number", lambda text: int(text, 16)),
    (re.compile(r"^[-+]?0[oO][0-7]+$"), "an octal number", lambda text: int(text, 8)),
    (re.compile(r"^[-+]?0[bB][01]+$"), "a binary number", lambda text: int(text, 2)),
    (re.compile(r"^[-+]?0[0-9]+$"), "a number with a leading zero", int),
    (re.compile(r"^[-+]?0[0-9]*\.[0-9]*(?:[eE][-+]?[0-9]+)?$"), "a number with a leading zero", float),
    (re.compile(r"^(?=.*_)[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?$"), "a number with '_' in it", lambda text: _decimal(text)),
    (re.compile(r"^[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$"), "quoted, so it is text", None),
)


def _decimal(text: str) -> int | float:
    return int(text) if text.replace("_", "").lstrip("+-").isdigit() else float(text)


def boolean_hint(value: object) -> str | None:
    """For the YAML 1.1 spellings of a boolean (`yes`, `off`): "did you mean 'true'?"."""
    if isinstance(value, str) and value.lower() in _BOOLEAN_WORDS:
        return f"did you mean '{'true' if _BOOLEAN_WORDS[value.lower()] else 'false'}'?"
    return None


def number_hint(value: object) -> str | None:
    """For a number written in a form this reader does not take (`0x10`, `012`, `1_000`): the decimal it may mean.

    Files are read by YAML 1.2's rules, in which these are text; YAML 1.1
    read `012` as 10 and `1:30` as 90. Rather than guess, the value is
    refused and the decimal named.
    """
    if not isinstance(value, str):
        return None
    for pattern, form, read in _NUMBER_FORMS:
        if pattern.match(value) and read is None:
            return f"{form}: write it without quotes"
        if pattern.match(value) and read is not None:
            try:
                meant = shorten(str(read(value)))
            except ValueError:  # more digits than Python converts
                return f"{shorten(value)} is {form}"
            return f"{shorten(value)} is {form}; did you mean {meant}?"
    if re.match(r"^[-+]?[0-9]+(?::[0-5]?[0-9])+(?:\.[0-9]*)?$", value):
        return "write the number itself: YAML 1.1 read this form in base 60"
    return None


def show_plain(value: Value) -> str:
    """A value as a trace writes it: `true`, `high`, `1200`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def yaml_scalar(value: Value) -> str:
    """A value as a YAML file writes it: strings are quoted only when they must be."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    plain = value.replace("_", "").isalnum() and value.lower() not in {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}
    return value if plain and not value[0].isdigit() else json.dumps(value, ensure_ascii=False)


def show_targets(op: Op, values: Sequence[Value]) -> str:
    text = ", ".join(show_plain(value) for value in values)
    return f"[{text}]" if op.takes_list else text

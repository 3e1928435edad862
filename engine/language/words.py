"""How values are said: in error messages, in traces, in YAML files."""

from __future__ import annotations

import json
from collections.abc import Sequence
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
    return text if len(text) <= 60 else text[:57] + "..."


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

"""Write scenario files that a person can read and edit.

Used by `forecast new` (a template with every variable, commented) and by
the consistency check (a counterexample as a runnable scenario). The output
is deterministic: variables in vocabulary order, values in YAML's plain form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from engine.compile import Value
from engine.model import BooleanVariable, LevelVariable, NumberVariable, Vocabulary


def yaml_scalar(value: Value) -> str:
    """A scalar as YAML writes it; strings are quoted only when they must be."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    plain = value.replace("_", "").isalnum() and value.lower() not in {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}
    return value if plain and not value[0].isdigit() else json.dumps(value, ensure_ascii=False)


def allowed_values(vocabulary: Vocabulary, name: str) -> str:
    variable = vocabulary.variables[name]
    if isinstance(variable, BooleanVariable):
        return "true | false"
    if isinstance(variable, LevelVariable):
        return " < ".join(variable.levels)
    assert isinstance(variable, NumberVariable)
    kind = "whole number" if variable.integer else "number"
    return f"{kind}, {variable.min} to {variable.max} {variable.unit}"


def render_scenario(
    vocabulary: Vocabulary,
    name: str,
    values: Mapping[str, Value],
    description: str = "",
    header: str = "",
) -> str:
    """A complete scenario file: every variable, each with its meaning and allowed values."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    lines.append(f"name: {json.dumps(name, ensure_ascii=False)}")
    if description:
        lines.append(f"description: {json.dumps(description, ensure_ascii=False)}")
    lines.append("variables:")
    for variable_name, variable in vocabulary.variables.items():
        lines.append(f"  # {variable.meaning}")
        lines.append(f"  # allowed: {allowed_values(vocabulary, variable_name)}")
        lines.append(f"  {variable_name}: {yaml_scalar(values[variable_name])}")
    return "\n".join(lines) + "\n"


def default_values(vocabulary: Vocabulary) -> dict[str, Value]:
    """A starting point for a new scenario: false, the lowest level, the minimum."""
    values: dict[str, Value] = {}
    for name, variable in vocabulary.variables.items():
        if isinstance(variable, BooleanVariable):
            values[name] = False
        elif isinstance(variable, LevelVariable):
            values[name] = variable.levels[0]
        else:
            values[name] = variable.min
    return values

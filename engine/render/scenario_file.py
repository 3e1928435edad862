"""Write scenario files that a person can read and edit.

Used by `forecast new` (a template with every variable, commented, each
left empty for the user to decide) and by the consistency check (a
counterexample as a runnable scenario). The output is deterministic:
variables in vocabulary order, values in YAML's plain form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from engine.language import Value, yaml_scalar
from engine.model import Vocabulary


def render_scenario(
    vocabulary: Vocabulary,
    name: str,
    values: Mapping[str, Value | None],
    description: str = "",
    header: str = "",
) -> str:
    """A complete scenario file: every variable, each with its meaning and allowed values (None: left empty to decide)."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    lines.append(f"name: {json.dumps(name, ensure_ascii=False)}")
    if description:
        lines.append(f"description: {json.dumps(description, ensure_ascii=False)}")
    lines.append("variables:")
    for variable_name, variable in vocabulary.variables.items():
        value = values.get(variable_name)
        lines.append(f"  # {variable.meaning}")
        lines.append(f"  # allowed: {variable.kind.describe()}")
        lines.append(f"  {variable_name}:" + (f" {yaml_scalar(value)}" if value is not None else ""))
    return "\n".join(lines) + "\n"

"""Write scenario files that a person can read and edit.

Used by `forecast new` (a template with every variable, commented, each
left empty for the user to decide, or copied from another scenario; with
`--uncertain`, each also shows its uncertain forms) and by the consistency
check (a counterexample as a runnable scenario). The output is
deterministic: variables in vocabulary order, values in YAML's plain or
flow form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction

from engine.language import BooleanKind, Kind, yaml_scalar
from engine.model import Between, ChanceRange, Chances, Input, Lexicon, Vocabulary


def render_scenario(
    vocabulary: Vocabulary,
    name: str,
    values: Mapping[str, Input | None],
    description: str = "",
    header: str = "",
    examples: Mapping[str, str] | None = None,
    extends: str | None = None,
    inherited: Mapping[str, Input] | None = None,
) -> str:
    """A complete scenario file: every variable with its meaning, allowed values and (given) uncertain forms.

    A variable missing from `values` (or None) is left empty, for the user to
    decide; one with a default, or (`extends`) one the base gives in
    `inherited`, is written as a comment, to uncomment to override it.
    """
    lines = [f"# {line}".rstrip() for line in header.splitlines()] if header else []
    lines.append(f"name: {json.dumps(name, ensure_ascii=False)}")
    if description:
        lines.append(f"description: {json.dumps(description, ensure_ascii=False)}")
    if extends is not None:
        lines.append(f"extends: {json.dumps(extends, ensure_ascii=False)}")
    lines.append("variables:")
    for variable_name, variable in vocabulary.variables.items():
        given = values.get(variable_name)
        lines.append(f"  # {variable.meaning}")
        lines.append(f"  # allowed: {variable.kind.describe()}")
        if examples and variable_name in examples:
            lines.append(f"  # uncertain: {examples[variable_name]}")
        if given is None and inherited and variable_name in inherited:
            lines.append(f"  # {variable_name}: {input_yaml(variable.kind, inherited[variable_name])}  # from {extends}")
        elif given is None and variable.default is not None:
            lines.append(f"  # {variable_name}: {yaml_scalar(variable.default)}  # the default, when left out")
        else:
            lines.append(f"  {variable_name}:" + (f" {input_yaml(variable.kind, given)}" if given is not None else ""))
    return "\n".join(lines) + "\n"


def input_yaml(kind: Kind, given: Input) -> str:
    """An input as a scenario file writes it: a value, a likelihood word, or a flow mapping of chances."""
    if isinstance(given, ChanceRange):
        return yaml_scalar(given.word)
    if isinstance(given, Between):
        return f"{{between: [{given.low}, {given.high}]}}"
    if isinstance(given, Chances):
        weights = dict(zip(given.values, given.weights, strict=True))
        if isinstance(kind, BooleanKind):
            return f"{{chance: {_decimal(weights.get(True, Fraction(0)))}}}"
        return "{" + ", ".join(f"{yaml_scalar(value)}: {_decimal(weight)}" for value, weight in weights.items()) + "}"
    return yaml_scalar(given)


def _decimal(weight: Fraction) -> str:
    return repr(float(weight))


def uncertain_examples(vocabulary: Vocabulary, lexicon: Lexicon) -> dict[str, str]:
    """For each variable, the uncertain forms it takes, each with an example: `{chance: 0.3}, or a likelihood word ...`."""
    words = [reading.words[0] for reading in lexicon.readings if reading.standard and reading.assessed]
    found = {}
    for name, kind in vocabulary.kinds.items():
        forms = [*kind.chances_examples()]
        if kind.takes_words and words:
            forms.append(f"a likelihood word ({', '.join(words)})")
        found[name] = ", or ".join(forms)
    return found

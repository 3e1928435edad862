"""Validate a YAML document against a surface model; every problem located in the user's file."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import InputError, did_you_mean, hidden_characters, raise_all
from engine.language import KeyPath, Op, boolean_hint, number_hint, show_value
from engine.load import surface
from engine.load.yamlfile import Document

M = TypeVar("M", bound=BaseModel)

_MODELS = (
    surface.Rule,
    surface.RuleFile,
    surface.Vocabulary,
    surface.VariableDecl,
    surface.ExpertsFile,
    surface.Expert,
    surface.SeedMeta,
    surface.ChecksFile,
    surface.Invariant,
    surface.Accepted,
    surface.LexiconFile,
    surface.Term,
    surface.Reading,
)
_KNOWN_KEYS = (
    {name for model in _MODELS for name in model.model_fields}
    | {op.value for op in Op}
    | {"var", "fact", "all", "any", "not", "question", "quote", "seed", "context", "text", "outcomes"}
)


def _walk_loc(data: Any, loc: tuple[Any, ...]) -> tuple[KeyPath, Any]:
    """Keep the parts of a pydantic error location that are real keys in `data`.

    Pydantic puts union tags and validator names into locations; those are
    not keys a user wrote. The last part is kept even when absent, because a
    missing key is named by it.
    """
    path: list[str | int | float] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(current, dict) and part in current:
            path.append(part)
            current = current[part]
        elif part == "not_" and isinstance(current, dict) and "not" in current:
            path.append("not")
            current = current["not"]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            path.append(part)
            current = current[part]
        elif last and isinstance(part, str) and isinstance(current, dict) and part != "[key]":
            path.append("not" if part == "not_" else part)
            current = None
    return tuple(path), current


def _hint(kind: str, value: object) -> str | None:
    """A did-you-mean for a value in a YAML 1.1 spelling: `yes` for a boolean, `0x10` for a number."""
    if kind == "bool_type":
        return boolean_hint(value)
    if kind in ("int_type", "float_type"):
        return number_hint(value)
    return None


def pydantic_problems(document: Document, exc: ValidationError, model: type[BaseModel] | None = None) -> list[InputError]:
    """One `InputError` per pydantic error, located in the user's file.

    With `model`, the document's own model, an unknown top-level key is
    matched against that model's keys only.
    """
    problems: list[InputError] = []
    seen: set[str] = set()
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        key, value = _walk_loc(document.data, loc)
        kind = error["type"]
        given = error.get("input")
        suggestion = None
        if loc[-1:] == ("[key]",):  # a mapping's key is not a name
            message = f"{show_value(given)} is not a valid name, expected a lower_snake_case name"
            hidden = hidden_characters(given) if isinstance(given, str) else None
            suggestion = f"the name has {hidden}" if hidden else None
        elif kind == "missing":
            message = f"missing key '{key[-1]}'" if key else "missing value"
            suggestion = f"add '{key[-1]}:'" if key else None
        elif kind in ("extra_forbidden", "invalid_key"):
            name = key[-1] if kind == "extra_forbidden" else given
            message = f"unknown key {show_value(name)}"
            known = _KNOWN_KEYS if model is None or len(key) != 1 else {field.alias or name for name, field in model.model_fields.items()}
            suggestion = did_you_mean(name, known) or "remove it"
        elif kind == "string_pattern_mismatch":
            pattern = error.get("ctx", {}).get("pattern", "")
            wanted = "expert.rule_name" if "\\." in pattern else "a lower_snake_case name"
            message = f"{document.shown(key, value)} is not a valid name, expected {wanted}"
            hidden = hidden_characters(given) if isinstance(given, str) else None
            suggestion = f"the name has {hidden}" if hidden else None
        elif kind in ("condition", "conclusion"):
            message = error["msg"]
        elif kind == "value_error":
            message = error["msg"].removeprefix("Value error, ")
        elif kind == "too_short":
            message = f"expected at least {error.get('ctx', {}).get('min_length', 1)} item(s)"
        else:
            shown = document.shown(key, given) if value is given else show_value(given)
            message = f"{error['msg'].lower()}, got {shown}"
            suggestion = _hint(kind, given)
        located = document.error(key, message, suggestion)
        text = str(located)
        if text not in seen:
            seen.add(text)
            problems.append(located)
    return problems


def parse_document(document: Document, model: type[M]) -> M:
    """Validate a whole document against `model`, or raise its problems (the first, then a count)."""
    if not isinstance(document.data, dict):
        raise document.error((), f"expected a mapping at the top of the file, got {type(document.data).__name__}")
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        raise_all(pydantic_problems(document, exc, model=model))
        raise  # pragma: no cover - raise_all raised

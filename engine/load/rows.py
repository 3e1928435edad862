"""Scenarios as rows of a table: a CSV file (a column per variable) or JSON Lines (an object per line).

JSON says what type each value is. CSV is text, so each cell is read with
its variable's kind: `true` or `false` (any case, as YAML 1.2 reads them)
for a boolean, the text itself for a level, and a decimal for a number
(`3`, `2.5`, `1e3`; a form a scenario file refuses, `012` or `1_000`, stays
text and is refused with the decimal it may mean). An empty cell is no
value. A variable with a default may have no column (or no key): its
rows get the default. Whether a value is right for its variable is decided by the same
checks as every scenario (`engine.load.scenario.check_values`), row by row,
so a wrong row never stops the others; a file whose header or shape is
wrong is refused at once, at its line.

Each row keeps the line of the file it starts on, so a problem is reported
as `scenarios.csv:7: deadly_clashes: ...`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from engine.errors import InputError, Location, did_you_mean
from engine.language import BooleanKind, Kind, NumberKind, Value, shorten
from engine.model import Vocabulary
from engine.records import record

TableFormat = Literal["csv", "jsonl"]
SUFFIXES: dict[str, TableFormat] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
_INTEGER = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
_DECIMAL = re.compile(r"^[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
MAX_NUMBER = 400
"""The longest number a cell or a JSON line may write, in characters: far past any float, short of Python's 4,300-digit limit."""
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}


@record
class Row:
    """One scenario of a table: the line it starts on, and its values as read, or why they cannot be read."""

    line: int
    values: Any
    problem: InputError | None = None


def table_format(path: Path) -> TableFormat:
    """The format a file's suffix names; `InputError` for any other."""
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InputError(
            f"cannot tell the format from the suffix {path.suffix or '(none)'}",
            location=Location(path),
            suggestion="name it .csv (a column per variable) or .jsonl (a JSON object per line)",
        )
    return found


def cell(kind: Kind, text: str) -> Value | None:
    """A CSV cell read with its variable's kind: a bool, a number or the text itself; None when empty."""
    if text == "":
        return None
    if isinstance(kind, BooleanKind):
        return _BOOLEANS.get(text, text)
    if isinstance(kind, NumberKind):
        if len(text) > MAX_NUMBER and _DECIMAL.match(text):
            raise InputError(f"the number {shorten(text)} is longer than {MAX_NUMBER} characters", suggestion="write a smaller number")
        if _INTEGER.match(text):
            return int(text)
        if _DECIMAL.match(text):
            number = float(text)
            return number if math.isfinite(number) else text
    return text


def read_rows(path: Path, vocabulary: Vocabulary) -> list[Row]:
    """Every row of a CSV or JSON Lines file; `InputError` when the file itself cannot be read as a table."""
    fmt = table_format(path)
    from engine.load.yamlfile import read_bytes

    raw, _ = read_bytes(path)  # a regular file only: a named pipe would block
    try:
        text = raw.decode("utf-8-sig")  # a spreadsheet's byte order mark is no part of the first name
    except UnicodeDecodeError as error:
        raise InputError(f"is not UTF-8 text ({error.reason} at byte {error.start})", location=Location(path)) from None
    return list(_csv_rows(path, text, vocabulary) if fmt == "csv" else _jsonl_rows(path, text))


def _csv_rows(path: Path, text: str, vocabulary: Vocabulary) -> Iterator[Row]:
    import csv
    import io

    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise InputError(f"the header is not CSV: {error}", location=Location(path, 1)) from None
    if header is None:
        raise InputError("is empty", location=Location(path), suggestion="write a header of variable names, then a row per scenario")
    for column, name in enumerate(header, 1):
        if name not in vocabulary.variables:
            raise InputError(
                f"unknown variable {name!r} in the header (column {column})",
                location=Location(path, 1),
                suggestion=did_you_mean(name, vocabulary.variables),
            )
        if header.index(name) != column - 1:
            raise InputError(f"variable {name!r} has two columns", location=Location(path, 1), suggestion="keep one")
    missing = [name for name, variable in vocabulary.variables.items() if name not in header and variable.default is None]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InputError(
            f"no column for variable{plural} {', '.join(repr(name) for name in missing)}",
            location=Location(path, 1),
            suggestion="every scenario gives every variable a value: `forecast list variables` lists them",
        )
    kinds = [vocabulary.kinds[name] for name in header]
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader, None)
        except csv.Error as error:
            raise InputError(f"is not CSV: {error}", location=Location(path, reader.line_num)) from None
        if cells is None:
            return
        if cells:  # a blank line is no scenario
            if len(cells) != len(header):
                problem = InputError(f"expected {len(header)} cells, one per column of the header, got {len(cells)}")
                yield Row(line, None, problem)
            else:
                try:
                    yield Row(line, {name: _cell(name, kind, text) for name, kind, text in zip(header, kinds, cells, strict=True)})
                except InputError as problem:
                    yield Row(line, None, problem)
        line = reader.line_num + 1


def _cell(name: str, kind: Kind, text: str) -> Value | None:
    """A cell read as `cell` reads it, a problem naming its variable."""
    try:
        return cell(kind, text)
    except InputError as problem:
        raise InputError(problem.message, key=name, suggestion=problem.suggestion) from None


def _integer(text: str) -> int:
    if len(text) > MAX_NUMBER:
        raise ValueError(f"the number {shorten(text)} is longer than {MAX_NUMBER} characters")
    return int(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"key {key!r} given twice")
        found[key] = value
    return found


def _jsonl_rows(path: Path, text: str) -> Iterator[Row]:
    for line, content in enumerate(text.split("\n"), 1):  # not splitlines: JSON text may hold U+2028 and its kin
        if not content.strip():
            continue
        try:
            values = json.loads(content, object_pairs_hook=_object, parse_int=_integer)
        except ValueError as error:  # json.JSONDecodeError is a ValueError, and so are a key given twice and a long number
            yield Row(line, None, InputError(f"not a JSON object: {error}"))
            continue
        except RecursionError:
            yield Row(line, None, InputError("not a JSON object: nested too deeply", suggestion="write a flat object of variable: value"))
            continue
        if not isinstance(values, dict):
            yield Row(line, None, InputError(f"expected a JSON object of variable: value, got {type(values).__name__}"))
            continue
        yield Row(line, values)

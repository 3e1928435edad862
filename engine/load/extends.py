"""`extends: other.yaml`: a scenario built on another, overriding some of its inputs.

A scenario that extends a base takes every input the base gives (and the
base's own base's, nearest first) and overrides those it writes itself. The
base's path is relative to the extending file's folder. A missing base, or a
chain that comes back to a file already in it, is one located line at the
`extends:` key. Expectations are never inherited: a scenario that overrides
inputs expects what it writes itself, or nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import InputError, did_you_mean
from engine.load.yamlfile import Document, load_yaml
from engine.records import record

KEY = ("extends",)


@record
class Inherited:
    """An input a base scenario gives: the value as written, the base's file, and the base's label (its path from the scenario's folder)."""

    value: object
    document: Document
    label: str


def bases(document: Document) -> list[Document]:
    """The scenarios `document` extends, nearest first; `InputError` at an `extends:` key that names no file, or closes a cycle."""
    seen = [document.path.resolve()]
    found: list[Document] = []
    current = document
    while isinstance(current.data, dict) and "extends" in current.data:
        written = current.data["extends"]
        if not isinstance(written, str) or not written.strip():
            raise current.error(
                KEY, f"expected the path of a scenario file, got {current.shown(KEY, written)}", "write extends: other.yaml"
            )
        path = current.path.parent / written
        if path.resolve() in seen:
            cycle = " -> ".join(_label(document.path, step) for step in [*seen, path.resolve()])
            raise current.error(KEY, f"'{written}' comes back to a scenario already extended: a cycle ({cycle})", "remove one extends:")
        if not path.is_file():
            names = sorted(item.name for item in path.parent.glob("*.yaml")) if path.parent.is_dir() else []
            hint = did_you_mean(path.name, names, listing=False) or "the path is relative to this scenario's folder"
            raise current.error(KEY, f"no scenario file '{written}' to extend (looked for {path})", hint)
        current = load_yaml(path)
        seen.append(path.resolve())
        found.append(current)
    return found


def inherited(document: Document, chain: list[Document]) -> dict[str, Inherited]:
    """Each input the bases give, from the nearest base that gives it."""
    found: dict[str, Inherited] = {}
    for base in reversed(chain):  # the farthest first, so a nearer base overrides it
        given = base.data.get("variables") if isinstance(base.data, dict) else None
        for name, value in given.items() if isinstance(given, dict) else ():
            found[name] = Inherited(value, base, _label(document.path, base.path))
    return found


def base_problems(chain: list[Document]) -> list[InputError]:
    """A base that is not a scenario's shape, located in the base: the inputs themselves are checked where they are used."""
    problems: list[InputError] = []
    for base in chain:
        if not isinstance(base.data, dict):
            problems.append(base.error((), f"expected a mapping at the top of the file, got {type(base.data).__name__}"))
        elif base.data.get("variables") is not None and not isinstance(base.data["variables"], dict):
            problems.append(base.error(("variables",), "expected a mapping of variable: value", None))
    return problems


def _label(scenario: Path, base: Path) -> str:
    return Path(os.path.relpath(base.resolve(), scenario.resolve().parent)).as_posix()

"""One error tree for everything the engine reports to a user.

Every error about a user's file carries its location (path, line, column),
the key path inside the document, what was expected and, where one exists,
a suggestion. The CLI turns an `InputError` into one line on stderr and exit
code 2; nothing else in the package prints.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a user's file something is: 1-based line and column."""

    path: Path
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        text = str(self.path)
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


class ForecastError(Exception):
    """Base of every error the engine raises on purpose."""


class InputError(ForecastError):
    """The user's input is wrong: a file, a value, a reference.

    `key` is the dotted key path inside the document (`rules[3].when.var`),
    `suggestion` a short hint such as "did you mean 'junta_pays'?".
    """

    def __init__(
        self,
        message: str,
        *,
        location: Location | None = None,
        key: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.key = key
        self.suggestion = suggestion

    def __str__(self) -> str:
        parts = []
        if self.location is not None:
            parts.append(str(self.location))
        if self.key:
            parts.append(self.key)
        parts.append(self.message)
        text = ": ".join(parts)
        if self.suggestion:
            text += f" ({self.suggestion})"
        return text


class RuleBaseInvalid(InputError):
    """The rule base has problems; all of them are in `problems`."""

    def __init__(self, problems: list[InputError]) -> None:
        first = problems[0]
        more = len(problems) - 1
        super().__init__(
            first.message,
            location=first.location,
            key=first.key,
            suggestion=first.suggestion,
        )
        self.problems = problems
        self.more = f" (and {more} more problem{'s' if more != 1 else ''}: run `forecast check`)" if more else ""

    def __str__(self) -> str:
        # The count of further problems goes last, after the first one's own suggestion.
        return super().__str__() + self.more


class EngineFailure(ForecastError):
    """The rule engine misbehaved on valid input: a bug, not the user's fault."""


def show_value(value: object) -> str:
    """A value as the user wrote it in YAML: `true`, `null`, `'text'`, `[1, 2]`."""
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, list):
        text = "[" + ", ".join(show_value(item) for item in value) + "]"
    elif isinstance(value, dict):
        text = "a mapping"
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt name, or a list of the choices."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if 0 < len(options) <= 8:
        return "expected one of: " + ", ".join(options)
    return None

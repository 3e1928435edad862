"""One error tree for everything the engine reports to a user.

Every error carries the exit code the command line gives it, as a class
attribute (click's pattern), so the CLI catches `ForecastError` in one place
and exits with `error.exit_code`. Every error about a user's file carries
its location (path, line, column), the key path inside the document, what
was expected and, where one exists, a suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine.records import record


@record
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
    """Base of every error the engine raises on purpose; `exit_code` is what the CLI exits with."""

    exit_code = 1


class InputError(ForecastError):
    """The user's input is wrong: a file, a value, a reference.

    `key` is the dotted key path inside the document (`rules[3].when.var`),
    `suggestion` a short hint such as "did you mean 'junta_pays'?".
    """

    exit_code = 2

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
    """Several problems at once; all of them are in `problems`, the first is the message."""

    def __init__(self, problems: list[InputError], *, checked_by: str | None = "forecast check") -> None:
        first = problems[0]
        more = len(problems) - 1
        super().__init__(first.message, location=first.location, key=first.key, suggestion=first.suggestion)
        self.problems = problems
        self.more = ""
        if more:
            plural = "s" if more != 1 else ""
            self.more = f" (and {more} more problem{plural}" + (f": run `{checked_by}`)" if checked_by else ")")

    def __str__(self) -> str:
        # The count of further problems goes last, after the first one's own suggestion.
        return super().__str__() + self.more


def raise_all(problems: list[InputError], *, checked_by: str | None = "forecast check") -> None:
    """Raise nothing for no problems, the one problem alone, or all of them as `RuleBaseInvalid`."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise RuleBaseInvalid(problems, checked_by=checked_by)


class EngineFailure(ForecastError):
    """The rule engine misbehaved on valid input: a bug, not the user's fault."""


class SetupError(ForecastError):
    """The installation is broken (a dependency that cannot be imported); the message says how to fix it."""


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt name, or a list of the choices."""
    import difflib  # only when a name is wrong: it is not free at start-up

    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    if 0 < len(options) <= 8:
        return "expected one of: " + ", ".join(options)
    return None

"""One error tree for everything the engine reports to a user.

Every error carries the exit code the command line gives it, as a class
attribute (click's pattern), so the CLI catches `ForecastError` in one place
and exits with `error.exit_code`. Every error about a user's file carries
its location (path, line, column), the key path inside the document, what
was expected and, where one exists, a suggestion.

The exit codes: 0 done; 1 the work found problems (`ForecastError`,
`EngineFailure`); 2 the input is wrong (`InputError`); 3 the time budget ran
out before the work was done (`BudgetReached`); 130 and 143 a signal stopped
the work (`Interrupted`: SIGINT, SIGTERM).
"""

from __future__ import annotations

import re
import signal
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
        return one_line(text)


class RuleBaseInvalid(InputError):
    """Several problems at once; all of them are in `problems`, the first is the message.

    `checked_by` is the command that lists them all (`forecast check --rules
    DIR FILE`); only the command line knows it, so the library leaves it out.
    """

    def __init__(self, problems: list[InputError], *, checked_by: str | None = None) -> None:
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

    def __reduce__(self) -> tuple[type[RuleBaseInvalid], tuple[list[InputError]], dict[str, object]]:
        # Exceptions pickle as their class called with `args`, here the first message: rebuild from the problems instead.
        return type(self), (self.problems,), dict(self.__dict__)

    def suggesting(self, command: str) -> RuleBaseInvalid:
        """The same problems, counted with the command that lists them all."""
        return RuleBaseInvalid(self.problems, checked_by=command)


def raise_all(problems: list[InputError], *, checked_by: str | None = None) -> None:
    """Raise nothing for no problems, the one problem alone, or all of them as `RuleBaseInvalid`."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise RuleBaseInvalid(problems, checked_by=checked_by)


class EngineFailure(ForecastError):
    """The rule engine misbehaved on valid input: a bug, not the user's fault."""


class SetupError(ForecastError):
    """The installation is broken (a dependency that cannot be imported); the message says how to fix it."""


class BudgetReached(ForecastError):
    """The time budget ran out before the work was done; what was done has been reported."""

    exit_code = 3


class Interrupted(KeyboardInterrupt):
    """A signal stopped the work: SIGINT (Ctrl-C) or SIGTERM.

    A `KeyboardInterrupt`, so that no `except Exception` swallows it and
    whatever lets Ctrl-C through (durable_rules' held signals, hypothesis)
    lets SIGTERM through too. `exit_code` is 128 plus the signal's number,
    the shell's convention: 130 for SIGINT, 143 for SIGTERM.
    """

    def __init__(self, signal_number: int = signal.SIGINT) -> None:
        super().__init__(signal_number)
        self.signal_number = signal_number
        self.exit_code = 128 + signal_number

    def __str__(self) -> str:
        name = signal.Signals(self.signal_number).name
        return f"{'interrupted' if self.signal_number == signal.SIGINT else 'terminated'} ({name})"


_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` with every control character escaped (`\\n`, `\\x00`): a message stays one line on any terminal."""
    return _BREAKS.sub(lambda match: repr(match.group())[1:-1], text)


_C0 = (
    "NULL|START OF HEADING|START OF TEXT|END OF TEXT|END OF TRANSMISSION|ENQUIRY|ACKNOWLEDGE|ALERT|BACKSPACE|CHARACTER TABULATION|"
    "LINE FEED|LINE TABULATION|FORM FEED|CARRIAGE RETURN|SHIFT OUT|SHIFT IN|DATA LINK ESCAPE|DEVICE CONTROL ONE|DEVICE CONTROL TWO|"
    "DEVICE CONTROL THREE|DEVICE CONTROL FOUR|NEGATIVE ACKNOWLEDGE|SYNCHRONOUS IDLE|END OF TRANSMISSION BLOCK|CANCEL|END OF MEDIUM|"
    "SUBSTITUTE|ESCAPE|FILE SEPARATOR|GROUP SEPARATOR|RECORD SEPARATOR|UNIT SEPARATOR"
)
_C1 = (
    "PADDING CHARACTER|HIGH OCTET PRESET|BREAK PERMITTED HERE|NO BREAK HERE|INDEX|NEXT LINE|START OF SELECTED AREA|END OF SELECTED AREA|"
    "CHARACTER TABULATION SET|CHARACTER TABULATION WITH JUSTIFICATION|LINE TABULATION SET|PARTIAL LINE FORWARD|PARTIAL LINE BACKWARD|"
    "REVERSE LINE FEED|SINGLE SHIFT TWO|SINGLE SHIFT THREE|DEVICE CONTROL STRING|PRIVATE USE ONE|PRIVATE USE TWO|SET TRANSMIT STATE|"
    "CANCEL CHARACTER|MESSAGE WAITING|START OF GUARDED AREA|END OF GUARDED AREA|START OF STRING|SINGLE GRAPHIC CHARACTER INTRODUCER|"
    "SINGLE CHARACTER INTRODUCER|CONTROL SEQUENCE INTRODUCER|STRING TERMINATOR|OPERATING SYSTEM COMMAND|PRIVACY MESSAGE|"
    "APPLICATION PROGRAM COMMAND"
)
CONTROL_NAMES = dict(zip(map(chr, [*range(0x20), 0x7F, *range(0x80, 0xA0)]), [*_C0.split("|"), "DELETE", *_C1.split("|")], strict=True))
"""The control characters (C0, DEL, C1), which have no name in `unicodedata`, by their Unicode name aliases."""


def character_name(char: str) -> str:
    """`U+001B ESCAPE`, `U+200B ZERO WIDTH SPACE`: a character as a message names it, a control character too."""
    import unicodedata

    return f"U+{ord(char):04X} {CONTROL_NAMES.get(char) or unicodedata.name(char, '(unnamed)')}"


def hidden_characters(word: str) -> str | None:
    """What in `word` a reader cannot see or tell from ASCII: `U+200B ZERO WIDTH SPACE at character 5`."""
    found = [
        f"{character_name(char)} at character {position}"
        for position, char in enumerate(word, start=1)
        if not (char.isascii() and char.isprintable())
    ]
    return ", ".join(found) or None


def did_you_mean(word: object, choices: Iterable[str], listing: bool = True) -> str | None:
    """A "did you mean" hint for a misspelt name, or (unless the message lists them already: `listing`) a list of the choices.

    A name that differs from a choice only by a character that looks the
    same (a Cyrillic letter, a zero-width space) gets a hint that names it,
    since the two would otherwise read alike.
    """
    import difflib  # only when a name is wrong: it is not free at start-up

    text = str(word)
    options = sorted(set(choices))
    hidden = hidden_characters(text) if all(option.isascii() for option in options) else None
    close = difflib.get_close_matches(text, options, n=1, cutoff=0.6)
    if close:
        hint = f"did you mean '{close[0]}'?"
    elif listing and 0 < len(options) <= 8:
        hint = "expected one of: " + ", ".join(options)
    else:
        hint = None
    if hidden:
        note = f"the name has {hidden}"
        return f"{hint}; {note}" if hint else note
    return hint

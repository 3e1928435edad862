"""How wide text output is, and whether it is coloured: the terminal decides, a pipe gets what it always got.

Text output (a forecast, `list`, `check`) wraps at `COLUMNS` when it is
set, else at the terminal's width when standard output is one. Otherwise
(a pipe, `-o FILE`) each keeps the form it has always had, the same bytes
on every machine: a forecast and the consistency report wrap at 100
columns, `list` does not wrap. Colour is for a terminal only, never with
`NO_COLOR` set (no-color.org) or on a dumb terminal, and never in a file or
a pipe.

Every control character in what a command writes, but tab and newline, is
written escaped (`\\u001b`): the files are refused when they hold one, so
this is the last line of defence, for a rule base built by a program or a
path named by the user, against text that a terminal would obey rather than
show (an OSC sequence sets the window title or, OSC 52, the clipboard). It
escapes, never strips, so what was there stays visible; it escapes in files
and pipes too, not only on a terminal, since a file is shown later with
`cat` or `less -R`, and the output stays the same bytes for the same input.
The `\\u` form keeps JSON valid and equal in meaning (JSON already writes
C0 controls so; DEL and C1 it writes raw). When the text is coloured, the
colour sequences (SGR: `ESC [ ... m`, which change colours and nothing
else) are kept.
"""

from __future__ import annotations

import os
import re
import shutil
from typing import TextIO

NARROWEST = 40
"""Below this, wrapping makes text harder to read, not easier."""


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def output_width(stream: TextIO | None) -> int | None:
    """The width to wrap text written to `stream` at (None: a file); None when neither `COLUMNS` nor a terminal says."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(NARROWEST, int(columns))
    if _is_terminal(stream):
        return max(NARROWEST, shutil.get_terminal_size().columns)
    return None


def use_colour(stream: TextIO | None) -> bool:
    """Whether text written to `stream` (None: a file) may be coloured."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return _is_terminal(stream)


_CONTROL = re.compile("\x1b\\[[0-9;]*m|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def escaped(text: str, colour: bool = False) -> str:
    """`text` with each control character but tab and newline written `\\u001b`; with `colour`, the SGR sequences kept."""

    def escape(match: re.Match[str]) -> str:
        found = match.group()
        if len(found) > 1:  # a colour sequence
            return found if colour else "\\u001b" + found[1:]
        return f"\\u{ord(found):04x}"

    return _CONTROL.sub(escape, text)

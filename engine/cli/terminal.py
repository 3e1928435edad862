"""How wide text output is, and whether it is coloured: the terminal decides, a pipe gets what it always got.

Text output (a forecast, `list`, `check`) wraps at `COLUMNS` when it is
set, else at the terminal's width when standard output is one. Otherwise
(a pipe, `-o FILE`) each keeps the form it has always had, the same bytes
on every machine: a forecast and the consistency report wrap at 100
columns, `list` does not wrap. Colour is for a terminal only, never with
`NO_COLOR` set (no-color.org) or on a dumb terminal, and never in a file or
a pipe.
"""

from __future__ import annotations

import os
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

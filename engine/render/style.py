"""The style of text output, shared by every text renderer: colour on or off, and the width lines wrap to."""

from __future__ import annotations

import textwrap
from typing import Any


class Style:
    """Paints a piece of a line, or leaves it plain when colour is off."""

    def __init__(self, colour: bool, width: int) -> None:
        self.colour = colour
        self.width = width

    def __call__(self, text: str, **style: Any) -> str:
        if not self.colour:
            return text
        import click

        return click.style(text, **style)

    def within(self, line: str, piece: str, **style: Any) -> str:
        """`line` with its first `piece` painted (a piece that wrapping split stays plain)."""
        return line.replace(piece, self(piece, **style), 1) if piece and piece in line else line

    def fit(self, line: str, indent: str) -> list[str]:
        """`line` as it is when it fits; else wrapped, its continuation lines indented."""
        return [line] if len(line) <= self.width else self.wrap(line, indent, "")

    def wrap(self, text: str, indent: str, first: str | None = None) -> list[str]:
        """`text` wrapped to the width, words never broken, each line after the first (`first`, else `indent`) indented."""
        return textwrap.wrap(
            text,
            width=self.width,
            initial_indent=first if first is not None else indent,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [first or indent]

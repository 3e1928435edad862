"""Tables for the exploring commands (sweep, matrix, coverage): text with wrapped cells, Markdown and CSV.

A text table gives each column the width of its content; when the whole is
wider than the line, it narrows the widest columns, wrapping their cells,
down to `NARROWEST` characters (or the longest word). When even that is too
wide, each column is at most `CELL` wide, and the columns that do not fit
continue in another block below, the leading label columns repeated. Same input, same bytes.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Sequence

NARROWEST = 12
"""The narrowest a column is wrapped to (unless a word is longer) to keep a table in one block."""
CELL = 30
"""The widest a column is when a table goes in blocks of columns."""
GAP = "  "


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for part in text.split("\n"):
        lines += textwrap.wrap(part, width=width, break_long_words=False, break_on_hyphens=False) or [""]
    return lines


def text_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], width: int, *, keep: int = 1, indent: str = "", caption: str = ""
) -> list[str]:
    """Rows under a header, columns apart by two spaces; when too wide, the widest columns wrapped, then blocks of columns.

    `keep` leading columns (the row labels) are repeated in every block.
    A cell may hold line breaks (`\\n`) of its own. A `caption` goes
    above the header, over the columns after the kept ones (what the
    columns are: the variable across a grid).
    """
    columns = len(header)
    natural, least = [], []
    for column in range(columns):
        cells = [header[column], *(row[column] for row in rows)]
        natural.append(max(len(line) for cell in cells for line in cell.split("\n")))
        longest_word = max([0, *(len(word) for cell in cells for word in cell.split())])
        least.append(natural[-1] if column < keep else min(natural[-1], max(NARROWEST, longest_word)))
    widths = list(natural)
    while len(indent) + sum(widths) + len(GAP) * (columns - 1) > width:
        wider = [column for column in range(keep, columns) if widths[column] > least[column]]
        if not wider:  # it cannot fit in one block: blocks of columns at most CELL wide
            widths = [natural[column] if column < keep else min(natural[column], max(CELL, least[column])) for column in range(columns)]
            break
        widths[max(wider, key=lambda column: (widths[column], -column))] -= 1
    blocks: list[list[int]] = []
    current: list[int] = []
    used = len(indent) + sum(widths[:keep]) + len(GAP) * keep
    for column in range(keep, columns):
        if current and used + widths[column] > width:
            blocks.append(current)
            current = []
            used = len(indent) + sum(widths[:keep]) + len(GAP) * keep
        current.append(column)
        used += widths[column] + len(GAP)
    blocks.append(current)
    lines: list[str] = []
    for number, block in enumerate(blocks):
        if number:
            lines.append("")
        shown = [*range(keep), *block]
        if caption:
            lines.append(indent + " " * (sum(widths[:keep]) + len(GAP) * keep) + caption)
        for cells in [list(header), *(list(row) for row in rows)]:
            wrapped = [_wrap(cells[column], widths[column]) for column in shown]
            height = max(len(cell) for cell in wrapped)
            for line in range(height):
                parts = [
                    (cell[line] if line < len(cell) else "").ljust(widths[column]) for cell, column in zip(wrapped, shown, strict=True)
                ]
                lines.append((indent + GAP.join(parts)).rstrip())
    return lines


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_markdown_cell(cell) for cell in header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(_markdown_cell(cell) for cell in row) + " |" for row in rows]
    return lines


def csv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """CSV with a header row, `\\n` line ends, quoted only where needed."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return stream.getvalue()

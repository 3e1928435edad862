"""Find a quote in its seed, verbatim up to white space and quote marks, and say whose words they are.

A quote counts as found when it occurs in the seed after both are folded:
every run of white space becomes one space, and typographic quote marks
become their plain ASCII forms. Nothing else is forgiven: not case, not
punctuation, not a changed word. The span returned is in characters of the
original seed text, so a reader can find the words where they stand.

A found quote is **direct speech** when it lies wholly inside one pair of
double quotation marks of the seed (straight `"`, or typographic “ ” „ ‟),
the speaker's own words; otherwise it is **reported speech**, the
reporter's words, even where part of it is quoted. Single quotation marks
are read as nested quotes or apostrophes (U+2019 is both), never as delimiters
of speech. Pairs are matched within a paragraph (text between blank lines);
a mark left open at a paragraph's end closes there, as a quotation that
runs on into the next paragraph does in news style.
"""

from __future__ import annotations

import re
from typing import Literal

from engine.records import record

Speech = Literal["direct", "reported"]
_OPENERS = '"\u201c\u201e\u201f'
_DOUBLE_MARKS = '"\u201c\u201d\u201e\u201f'
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n")

_QUOTE_MARKS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
    }
)


def fold(text: str) -> str:
    """The folded form of `text`, used only to compare."""
    return " ".join(text.translate(_QUOTE_MARKS).split())


@record
class Span:
    """Characters `start` (inclusive) to `end` (exclusive) of a seed's text."""

    start: int
    end: int


class FoldedText:
    """A seed's text folded once, with a map back to original offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        folded: list[str] = []
        origin: list[int] = []
        pending_space = False
        for index, char in enumerate(text.translate(_QUOTE_MARKS)):
            if char.isspace():
                pending_space = bool(folded)
                continue
            if pending_space:
                folded.append(" ")
                origin.append(index - 1)
                pending_space = False
            folded.append(char)
            origin.append(index)
        self.folded = "".join(folded)
        self._origin = origin
        self._speech = speech_regions(text)

    def find(self, quote: str) -> Span | None:
        """The span of the first occurrence of `quote`, or None."""
        needle = fold(quote)
        if not needle:
            return None
        at = self.folded.find(needle)
        if at < 0:
            return None
        last = at + len(needle) - 1
        return Span(self._origin[at], self._origin[last] + 1)

    def closest(self, quote: str) -> str:
        """The longest leading part of `quote` that is found, for an error message."""
        needle = fold(quote)
        low, high = 0, len(needle)
        while low < high:
            middle = (low + high + 1) // 2
            if needle[:middle] in self.folded:
                low = middle
            else:
                high = middle - 1
        return needle[:low]

    def speech(self, span: Span) -> Speech:
        """Whether the words at `span` are direct speech (inside one pair of double quotation marks) or reported."""
        return speech(self.text, span, self._speech)


def speech_regions(text: str) -> tuple[Span, ...]:
    """The insides of the pairs of double quotation marks in `text`, marks excluded, in order."""
    regions: list[Span] = []
    ends = [match.start() for match in _PARAGRAPH_BREAK.finditer(text)] + [len(text)]
    start = 0
    for end in ends:
        opened: int | None = None
        for index in range(start, end):
            char = text[index]
            if opened is None:
                if char in _OPENERS:
                    opened = index
            elif char in '"\u201d' or (char == "\u201c" and text[opened] == "\u201e"):
                regions.append(Span(opened + 1, index))
                opened = None
        if opened is not None:
            regions.append(Span(opened + 1, end))
        start = end
    return tuple(regions)


def speech(text: str, span: Span, regions: tuple[Span, ...] | None = None) -> Speech:
    """`direct` when the words at `span`, less any double quotation marks and white space at their ends, lie inside one pair."""
    start, end = span.start, span.end
    while start < end and (text[start] in _DOUBLE_MARKS or text[start].isspace()):
        start += 1
    while end > start and (text[end - 1] in _DOUBLE_MARKS or text[end - 1].isspace()):
        end -= 1
    if start == end:
        return "reported"
    inside = speech_regions(text) if regions is None else regions
    return "direct" if any(region.start <= start and end <= region.end for region in inside) else "reported"

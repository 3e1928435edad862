"""Find a quote in its seed, verbatim up to white space and quote marks.

A quote counts as found when it occurs in the seed after both are folded:
every run of white space becomes one space, and typographic quote marks
become their plain ASCII forms. Nothing else is forgiven: not case, not
punctuation, not a changed word. The span returned is in characters of the
original seed text, so a reader can find the words where they stand.
"""

from __future__ import annotations

from engine.records import record

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

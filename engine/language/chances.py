"""Reading chances, an uncertain input's probabilities: each one exact, and a table that sums to 1.

Each kind reads its own forms (`Kind.chances`); what they share is here: a
probability as written, read exactly, and a table of them scaled to sum to
exactly 1 when it is within `TOLERANCE` of 1.
"""

from __future__ import annotations

from fractions import Fraction

from engine.language.operators import Value
from engine.language.words import show_value

TOLERANCE = Fraction(1, 10**9)
"""How far the probabilities of an uncertain input may sum from 1 (they are then scaled to 1 exactly)."""


class ChanceProblem(ValueError):
    """An uncertain input that cannot be read: what is wrong, a suggestion, and the key inside the input."""

    def __init__(self, message: str, suggestion: str | None = None, key: tuple[str | int | float, ...] = ()) -> None:
        super().__init__(message)
        self.message, self.suggestion, self.key = message, suggestion, key


def probability(written: object, what: str, key: tuple[str | int | float, ...] = ()) -> Fraction:
    """A probability as written (0.3 is 3/10 exactly), or `ChanceProblem` unless it is a number from 0 to 1."""
    # Compared before any conversion: an integer past 1e308 has no float, and NaN is not between 0 and 1.
    if isinstance(written, bool) or not isinstance(written, (int, float)) or not 0 <= written <= 1:
        raise ChanceProblem(f"expected a probability from 0 to 1 for {what}, got {show_value(written)}", key=key)
    return Fraction(str(written)) if isinstance(written, float) else Fraction(written)


def table(pairs: list[tuple[Value, Fraction]], variable: str) -> list[tuple[Value, Fraction]]:
    """The pairs with their probabilities scaled to sum to exactly 1, or `ChanceProblem` if they are further off than `TOLERANCE`."""
    total = sum((weight for _, weight in pairs), Fraction(0))
    if abs(total - 1) > TOLERANCE:
        raise ChanceProblem(f"the probabilities for '{variable}' sum to {float(total):.12g}, not 1", "make them add up to 1")
    return [(value, weight / total) for value, weight in pairs]

"""Values and operators: what every operator means, on ranks, and how generated code spells it."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

Value = bool | int | float | str
"""A scenario value or a literal in a rule: a boolean, a number or a level's name."""


class Op(StrEnum):
    """Comparison operators, shared by conditions and stances."""

    IS = "is"
    IS_NOT = "is_not"
    IN = "in"
    NOT_IN = "not_in"
    AT_LEAST = "at_least"
    AT_MOST = "at_most"
    ABOVE = "above"
    BELOW = "below"

    @property
    def negated(self) -> Op:
        return _NEGATION[self]

    @property
    def ordered(self) -> bool:
        return self in (Op.AT_LEAST, Op.AT_MOST, Op.ABOVE, Op.BELOW)

    @property
    def takes_list(self) -> bool:
        return self in (Op.IN, Op.NOT_IN)

    @property
    def words(self) -> str:
        return _WORDS[self]


_NEGATION = {
    Op.IS: Op.IS_NOT,
    Op.IS_NOT: Op.IS,
    Op.IN: Op.NOT_IN,
    Op.NOT_IN: Op.IN,
    Op.AT_LEAST: Op.BELOW,
    Op.BELOW: Op.AT_LEAST,
    Op.AT_MOST: Op.ABOVE,
    Op.ABOVE: Op.AT_MOST,
}
_WORDS = {
    Op.IS: "is",
    Op.IS_NOT: "is not",
    Op.IN: "is one of",
    Op.NOT_IN: "is none of",
    Op.AT_LEAST: "is at least",
    Op.AT_MOST: "is at most",
    Op.ABOVE: "is above",
    Op.BELOW: "is below",
}


def compare(op: Op, rank: float, targets: Sequence[float]) -> bool:
    """What every operator means: `rank op targets`, on ranks."""
    if op is Op.IS:
        return rank == targets[0]
    if op is Op.IS_NOT:
        return rank != targets[0]
    if op is Op.IN:
        return rank in targets
    if op is Op.NOT_IN:
        return rank not in targets
    if op is Op.AT_LEAST:
        return rank >= targets[0]
    if op is Op.AT_MOST:
        return rank <= targets[0]
    if op is Op.ABOVE:
        return rank > targets[0]
    return rank < targets[0]


_SYMBOLS = {
    Op.IS: "==",
    Op.IS_NOT: "!=",
    Op.IN: "in",
    Op.NOT_IN: "not in",
    Op.AT_LEAST: ">=",
    Op.AT_MOST: "<=",
    Op.ABOVE: ">",
    Op.BELOW: "<",
}


def python_test(op: Op, subject: str, targets: Sequence[float]) -> str:
    """`compare(op, subject, targets)` as a Python expression over ranks, for generated code."""
    if op.takes_list:
        return f"{subject} {_SYMBOLS[op]} ({', '.join(repr(target) for target in targets)},)"
    return f"{subject} {_SYMBOLS[op]} {targets[0]!r}"

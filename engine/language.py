"""The rule language: values, kinds of variables, operators, conditions, and how each is said.

This is the one place that says what the language means. Every stage uses
it: validation (is this a value of that variable?), compilation (conditions
in disjunctive normal form), the matchers and the reference model (does a
test hold?), resolution (which outcomes of a scale does a stance allow?),
the consistency search (which values can the rules tell apart?) and every
renderer (how a value, a condition or a conclusion is written for a person).

The written form, in a rule's `when` and `then`:

    {var: NAME, <op>: VALUE}     a test on a scenario variable
    {fact: NAME}                 a fact derived by another rule holds
    {all: [COND, ...]}           every condition holds
    {any: [COND, ...]}           at least one holds
    {not: COND}                  the condition does not hold
    {question: NAME, <op>: OUTCOME}   a stance (a conclusion)
    {fact: NAME}                      a derived fact (a conclusion)

`<op>` is one of `is`, `is_not`, `in`, `not_in`, `at_least`, `at_most`,
`above`, `below`. Every kind of variable maps its values to ranks (false 0,
true 1; a level its position; a number itself), and every operator compares
ranks; an ordered scale of outcomes is a level variable.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise, product
from typing import Any, ClassVar, NamedTuple

from engine.errors import did_you_mean

Value = bool | int | float | str
"""A scenario value or a literal in a rule: a boolean, a number or a level's name."""

MAX_BRANCHES = 64
"""A condition may expand to at most this many alternatives in disjunctive normal form."""


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


# --- kinds of variables ---------------------------------------------------------


class Kind:
    """What values a variable takes, their ranks, and how they are checked, shown and searched."""

    __slots__ = ()
    name: ClassVar[str]
    fields: ClassVar[tuple[str, ...]] = ()
    """The keys a vocabulary may write for this kind, besides `type` and `meaning`; `required` must be there."""
    required: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def from_declaration(cls, fields: Mapping[str, Any]) -> Kind:
        """The kind from its declared keys (already checked: no stray key, none required missing)."""
        return cls()

    def rank(self, value: Value) -> float:
        raise NotImplementedError

    def problem(self, value: object, variable: str, written: str | None = None) -> tuple[str, str | None] | None:
        """What is wrong with `value` for `variable` (a message and a suggestion), or None.

        `written` is the value as the user's file spells it, echoed instead
        of the value read (`no`, `1e309`), when the file gives it.
        """
        raise NotImplementedError

    def holds(self, op: Op, value: Value, targets: Sequence[Value]) -> bool:
        return compare(op, self.rank(value), [self.rank(target) for target in targets])

    def operator_problem(self, op: Op, variable: str) -> tuple[str, str] | None:
        """Why `op` cannot test `variable` (a message and a suggestion), or None."""
        return None

    def describe(self) -> str:
        """The values allowed, for a person: `true | false`, `low < high`."""
        raise NotImplementedError

    def default(self) -> Value:
        """The simplest value: false, the lowest level, the minimum."""
        raise NotImplementedError

    def representatives(self, thresholds: Iterable[Value]) -> list[Value]:
        """Values that include the simplest member of every class the thresholds cut, simplest first."""
        raise NotImplementedError

    def size(self) -> int | None:
        """How many values there are; None when infinitely many."""
        raise NotImplementedError

    def json_schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def declaration(self) -> dict[str, Any]:
        """The keys a vocabulary writes for this kind, besides `type`: the inverse of `declare`."""
        return {}

    def strategy(self) -> Any:
        """A hypothesis strategy over every value."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class BooleanKind(Kind):
    name: ClassVar[str] = "boolean"

    def operator_problem(self, op: Op, variable: str) -> tuple[str, str] | None:
        if op in (Op.IS, Op.IS_NOT):
            return None
        return f"'{op.value}' does not apply to boolean '{variable}'", "use 'is' or 'is_not'"

    def rank(self, value: Value) -> float:
        return 1 if value else 0

    def problem(self, value: object, variable: str, written: str | None = None) -> tuple[str, str | None] | None:
        if isinstance(value, bool):
            return None
        shown = _echo(value, written)
        return f"expected true or false for boolean '{variable}', got {shown}", boolean_hint(value)

    def describe(self) -> str:
        return "true | false"

    def default(self) -> Value:
        return False

    def representatives(self, thresholds: Iterable[Value]) -> list[Value]:
        return [False, True]

    def size(self) -> int | None:
        return 2

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}

    def strategy(self) -> Any:
        from hypothesis import strategies

        return strategies.booleans()


@dataclass(frozen=True, slots=True)
class LevelKind(Kind):
    """Named levels, ordered from lowest to highest; also the scale of a question's outcomes."""

    name: ClassVar[str] = "level"
    fields: ClassVar[tuple[str, ...]] = ("levels",)
    required: ClassVar[tuple[str, ...]] = ("levels",)
    levels: tuple[str, ...]
    _ranks: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.levels) < 2:
            raise ValueError("needs at least two levels, lowest first")
        if len(set(self.levels)) != len(self.levels):
            raise ValueError("levels repeat a name")
        object.__setattr__(self, "_ranks", {level: rank for rank, level in enumerate(self.levels)})

    @classmethod
    def from_declaration(cls, fields: Mapping[str, Any]) -> Kind:
        return cls(tuple(fields["levels"]))

    def rank(self, value: Value) -> float:
        return self._ranks[str(value)]

    def problem(self, value: object, variable: str, written: str | None = None) -> tuple[str, str | None] | None:
        if isinstance(value, str) and value in self._ranks:
            return None
        hint = did_you_mean(value, self.levels) if isinstance(value, str) else None
        return f"expected one of {', '.join(self.levels)} for '{variable}', got {_echo(value, written)}", hint

    def describe(self) -> str:
        return " < ".join(self.levels)

    def default(self) -> Value:
        return self.levels[0]

    def representatives(self, thresholds: Iterable[Value]) -> list[Value]:
        return list(self.levels)

    def size(self) -> int | None:
        return len(self.levels)

    def json_schema(self) -> dict[str, Any]:
        return {"enum": list(self.levels)}

    def declaration(self) -> dict[str, Any]:
        return {"levels": list(self.levels)}

    def strategy(self) -> Any:
        from hypothesis import strategies

        return strategies.sampled_from(self.levels)


@dataclass(frozen=True, slots=True)
class NumberKind(Kind):
    """A number from `minimum` to `maximum` in `unit`; whole numbers unless `integer` is false."""

    name: ClassVar[str] = "number"
    fields: ClassVar[tuple[str, ...]] = ("unit", "min", "max", "integer")
    required: ClassVar[tuple[str, ...]] = ("unit", "min", "max")
    minimum: float
    maximum: float
    unit: str
    integer: bool = True

    def __post_init__(self) -> None:
        for bound in (self.minimum, self.maximum):
            if isinstance(bound, float) and not math.isfinite(bound):
                raise ValueError(f"min and max must be finite numbers, not {show_plain(bound)}")
        if self.minimum > self.maximum:
            raise ValueError(f"min {self.minimum} is above max {self.maximum}")

    @classmethod
    def from_declaration(cls, fields: Mapping[str, Any]) -> Kind:
        return cls(fields["min"], fields["max"], fields["unit"], fields.get("integer", True))

    def operator_problem(self, op: Op, variable: str) -> tuple[str, str] | None:
        if self.integer or not op.takes_list:
            return None
        return f"'{op.value}' does not apply to the continuous number '{variable}'", "use at_least / at_most"

    def rank(self, value: Value) -> float:
        return value  # type: ignore[return-value]

    def problem(self, value: object, variable: str, written: str | None = None) -> tuple[str, str | None] | None:
        shown = _echo(value, written)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"expected a number ({self.unit}) for '{variable}', got {shown}", number_hint(value)
        if isinstance(value, float) and not math.isfinite(value):
            return f"expected a finite number ({self.unit}) for '{variable}', got {shown}", None
        if self.integer and not isinstance(value, int):
            return f"expected a whole number ({self.unit}) for '{variable}', got {shown}", None
        if not self.minimum <= value <= self.maximum:
            expected = f"expected {show_plain(self.minimum)} to {show_plain(self.maximum)} {self.unit}"
            return f"{shown} is out of range for '{variable}': {expected}", None
        return None

    def describe(self) -> str:
        kind = "whole number" if self.integer else "number"
        return f"{kind}, {show_plain(self.minimum)} to {show_plain(self.maximum)} {self.unit}"

    def default(self) -> Value:
        return self.minimum

    def representatives(self, thresholds: Iterable[Value]) -> list[Value]:
        """For whole numbers, a run of values no test tells apart starts at the minimum, at t or at t + 1;
        for a continuous number, the classes are the thresholds, the bounds and the open intervals between."""
        numbers = [float(value) for value in thresholds if isinstance(value, (int, float))]
        if self.integer:
            low, high = math.ceil(self.minimum), math.floor(self.maximum)
            starts = {low, *(int(value) for value in numbers), *(int(value) + 1 for value in numbers)}
            return sorted(value for value in starts if low <= value <= high)
        critical = sorted({self.minimum, self.maximum, *(value for value in numbers if self.minimum <= value <= self.maximum)})
        return sorted({*critical, *(_inside(low, high) for low, high in pairwise(critical))})

    def size(self) -> int | None:
        if self.integer:
            return math.floor(self.maximum) - math.ceil(self.minimum) + 1
        return None if self.maximum > self.minimum else 1

    def json_schema(self) -> dict[str, Any]:
        return {"type": "integer" if self.integer else "number", "minimum": self.minimum, "maximum": self.maximum}

    def declaration(self) -> dict[str, Any]:
        return {"unit": self.unit, "min": self.minimum, "max": self.maximum, "integer": self.integer}

    def strategy(self) -> Any:
        from hypothesis import strategies

        if self.integer:
            return strategies.integers(math.ceil(self.minimum), math.floor(self.maximum))
        return strategies.floats(self.minimum, self.maximum, allow_nan=False, allow_infinity=False)


def _inside(low: float, high: float) -> float:
    """A point strictly between `low` and `high`: the smallest whole number there, else the midpoint."""
    whole = math.floor(low) + 1
    return whole if whole < high else (low + high) / 2


KINDS: dict[str, type[Kind]] = {kind.name: kind for kind in (BooleanKind, LevelKind, NumberKind)}


def declare(kind_name: str, fields: Mapping[str, Any]) -> Kind:
    """The kind a vocabulary declares (`type: level`, `levels: [...]`); ValueError says what is wrong."""
    kind = KINDS.get(kind_name)
    if kind is None:
        raise ValueError(f"unknown type '{kind_name}', expected one of: {', '.join(KINDS)}")
    given = {key: value for key, value in fields.items() if value is not None}
    stray = sorted(set(given) - set(kind.fields))
    if stray:
        raise ValueError(f"a {kind_name} variable takes no '{stray[0]}'")
    missing = [name for name in kind.required if name not in given]
    if missing:
        raise ValueError(f"a {kind_name} variable needs '{missing[0]}'")
    return kind.from_declaration(given)


# --- conditions and conclusions ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class VarTest:
    """`var op values`; in a branch of a normal form, negations are already pushed into `op`."""

    var: str
    op: Op
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class FactRef:
    """A derived fact holds."""

    fact: str


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    item: Condition


Condition = VarTest | FactRef | AllOf | AnyOf | NotOf


@dataclass(frozen=True, slots=True)
class FactLiteral:
    """In a branch of a normal form: a derived fact is present (`positive`) or absent."""

    fact: str
    positive: bool


Literal = VarTest | FactLiteral


@dataclass(frozen=True, slots=True)
class StanceClaim:
    """A conclusion: the stance `question op values` on an ordered scale."""

    question: str
    op: Op
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class FactClaim:
    """A conclusion: a derived fact that other rules use."""

    fact: str


Conclusion = StanceClaim | FactClaim

KeyPath = tuple[str | int | float, ...]
"""Where in a document: mapping keys (names, or numbers) and list indices (ints, inside a list)."""


class Leaf(NamedTuple):
    """A test or fact in a condition, under an odd number of `not`s or not, at a key path."""

    node: VarTest | FactRef
    negated: bool
    key: KeyPath


def leaves(condition: Condition | None, negated: bool = False, key: KeyPath = ()) -> Iterator[Leaf]:
    """Every test and fact in a condition, in written order, with its key path as written."""
    if condition is None:
        return
    if isinstance(condition, (VarTest, FactRef)):
        yield Leaf(condition, negated, key)
    elif isinstance(condition, NotOf):
        yield from leaves(condition.item, not negated, (*key, "not"))
    else:
        word = "all" if isinstance(condition, AllOf) else "any"
        for index, item in enumerate(condition.items):
            yield from leaves(item, negated, (*key, word, index))


def holds(condition: Condition, values: Mapping[str, Value], facts: Iterable[str], kinds: Mapping[str, Kind]) -> bool:
    """Whether a condition holds for a scenario's `values` and its derived `facts`."""
    if isinstance(condition, VarTest):
        return kinds[condition.var].holds(condition.op, values[condition.var], condition.values)
    if isinstance(condition, FactRef):
        return condition.fact in facts
    if isinstance(condition, AllOf):
        return all(holds(item, values, facts, kinds) for item in condition.items)
    if isinstance(condition, AnyOf):
        return any(holds(item, values, facts, kinds) for item in condition.items)
    return not holds(condition.item, values, facts, kinds)


class TooManyBranches(Exception):
    """A condition expands to more than `MAX_BRANCHES` alternatives."""


def branches(condition: Condition | None) -> list[tuple[Literal, ...]]:
    """The condition in disjunctive normal form: its alternatives, each a conjunction of literals.

    Each branch is normalised: a literal repeated in a branch is kept once, a
    value repeated in a list is kept once, a branch that needs a fact and its
    absence (it can never hold) is dropped, and so is a repeated branch.
    """
    if condition is None:
        return [()]
    found: list[tuple[Literal, ...]] = []
    for branch in _dnf(condition, negated=False):
        literals = tuple(dict.fromkeys(_unique_values(literal) for literal in branch))
        present = {literal.fact for literal in literals if isinstance(literal, FactLiteral) and literal.positive}
        absent = {literal.fact for literal in literals if isinstance(literal, FactLiteral) and not literal.positive}
        if present.isdisjoint(absent) and literals not in found:
            found.append(literals)
    return found


def _unique_values(literal: Literal) -> Literal:
    if isinstance(literal, VarTest) and len(set(literal.values)) != len(literal.values):
        return VarTest(literal.var, literal.op, tuple(dict.fromkeys(literal.values)))
    return literal


def _dnf(condition: Condition, negated: bool) -> list[tuple[Literal, ...]]:
    if isinstance(condition, VarTest):
        return [(VarTest(condition.var, condition.op.negated if negated else condition.op, condition.values),)]
    if isinstance(condition, FactRef):
        return [(FactLiteral(condition.fact, not negated),)]
    if isinstance(condition, NotOf):
        return _dnf(condition.item, not negated)
    parts = [_dnf(item, negated) for item in condition.items]
    if isinstance(condition, AllOf) == negated:  # a disjunction
        flat = [branch for part in parts for branch in part]
        if len(flat) > MAX_BRANCHES:
            raise TooManyBranches
        return flat
    combined: list[tuple[Literal, ...]] = []
    for choice in product(*parts):
        combined.append(tuple(literal for branch in choice for literal in branch))
        if len(combined) > MAX_BRANCHES:
            raise TooManyBranches
    return combined


def allowed(op: Op, values: Sequence[Value], scale: Sequence[str]) -> tuple[str, ...]:
    """The outcomes of an ordered `scale` that the stance `op values` permits, in scale order."""
    kind = LevelKind(tuple(scale))
    return tuple(outcome for outcome in scale if kind.holds(op, outcome, values))


# --- saying it ---------------------------------------------------------------------


def show_value(value: object) -> str:
    """A value as YAML spells it, for an error message: `true`, `null`, `'text'`, `[1, 2]`."""
    if value is True or value is False:
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        text = "[" + ", ".join(show_value(item) for item in value) + "]"
    elif isinstance(value, dict):
        text = "a mapping"
    else:
        text = repr(value)
    return shorten(text)


def shorten(text: str, limit: int = 60) -> str:
    """`text`, or for a long one its start and end around how many characters it has: `1000000...0000 (401 characters)`."""
    if len(text) <= limit:
        return text
    return f"{text[: limit // 2]}...{text[-10:]} ({len(text)} characters)"


def _echo(value: object, written: str | None) -> str:
    return shorten(written) if written is not None else show_value(value)


_BOOLEAN_WORDS = {"yes": True, "y": True, "on": True, "no": False, "n": False, "off": False}
_NUMBER_FORMS: tuple[tuple[re.Pattern[str], str, Callable[[str], int | float] | None], ...] = (
    (re.compile(r"^[-+]?0[xX][0-9a-fA-F]+$"), "a hexadecimal number", lambda text: int(text, 16)),
    (re.compile(r"^[-+]?0[oO][0-7]+$"), "an octal number", lambda text: int(text, 8)),
    (re.compile(r"^[-+]?0[bB][01]+$"), "a binary number", lambda text: int(text, 2)),
    (re.compile(r"^[-+]?0[0-9]+$"), "a number with a leading zero", int),
    (re.compile(r"^[-+]?0[0-9]*\.[0-9]*(?:[eE][-+]?[0-9]+)?$"), "a number with a leading zero", float),
    (re.compile(r"^(?=.*_)[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?$"), "a number with '_' in it", lambda text: _decimal(text)),
    (re.compile(r"^[-+]?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?$"), "quoted, so it is text", None),
)


def _decimal(text: str) -> int | float:
    return int(text) if text.replace("_", "").lstrip("+-").isdigit() else float(text)


def boolean_hint(value: object) -> str | None:
    """For the YAML 1.1 spellings of a boolean (`yes`, `off`): "did you mean 'true'?"."""
    if isinstance(value, str) and value.lower() in _BOOLEAN_WORDS:
        return f"did you mean '{'true' if _BOOLEAN_WORDS[value.lower()] else 'false'}'?"
    return None


def number_hint(value: object) -> str | None:
    """For a number written in a form this reader does not take (`0x10`, `012`, `1_000`): the decimal it may mean.

    Files are read by YAML 1.2's rules, in which these are text; YAML 1.1
    read `012` as 10 and `1:30` as 90. Rather than guess, the value is
    refused and the decimal named.
    """
    if not isinstance(value, str):
        return None
    for pattern, form, read in _NUMBER_FORMS:
        if pattern.match(value) and read is None:
            return f"{form}: write it without quotes"
        if pattern.match(value) and read is not None:
            try:
                meant = shorten(str(read(value)))
            except ValueError:  # more digits than Python converts
                return f"{shorten(value)} is {form}"
            return f"{shorten(value)} is {form}; did you mean {meant}?"
    if re.match(r"^[-+]?[0-9]+(?::[0-5]?[0-9])+(?:\.[0-9]*)?$", value):
        return "write the number itself: YAML 1.1 read this form in base 60"
    return None


def show_plain(value: Value) -> str:
    """A value as a trace writes it: `true`, `high`, `1200`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def yaml_scalar(value: Value) -> str:
    """A value as a YAML file writes it: strings are quoted only when they must be."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    plain = value.replace("_", "").isalnum() and value.lower() not in {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}
    return value if plain and not value[0].isdigit() else json.dumps(value, ensure_ascii=False)


def _shown(op: Op, values: Sequence[Value]) -> str:
    text = ", ".join(show_plain(value) for value in values)
    return f"[{text}]" if op.takes_list else text


def describe_literal(literal: Literal) -> str:
    """`deadly_clashes is at least 3`, `fact force_insufficient`, `no fact fierce_fighting_trend`."""
    if isinstance(literal, FactLiteral):
        return f"fact {literal.fact}" if literal.positive else f"no fact {literal.fact}"
    return f"{literal.var} {literal.op.words} {_shown(literal.op, literal.values)}"


def describe_condition(condition: Condition | None) -> str:
    """A condition in words, as its alternatives: `a and b, or c`."""
    alternatives = [" and ".join(describe_literal(literal) for literal in branch) or "always" for branch in branches(condition)]
    return ", or ".join(alternatives)


def describe_conclusion(conclusion: Conclusion) -> str:
    """`russia_presence is not withdraw`, `fact force_insufficient`."""
    if isinstance(conclusion, FactClaim):
        return f"fact {conclusion.fact}"
    return f"{conclusion.question} {conclusion.op.words} {_shown(conclusion.op, conclusion.values)}"

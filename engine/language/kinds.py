"""Kinds of variables: which values a variable takes, their ranks, and how each is checked, shown and searched.

An ordered scale of a question's outcomes is a level variable (`allowed`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise
from typing import Any, ClassVar

from engine.errors import did_you_mean
from engine.language.chances import ChanceProblem, probability, table
from engine.language.operators import Op, Value, compare
from engine.language.words import boolean_hint, echo, number_hint, show_plain, show_value, yaml_scalar
from engine.records import field, record


class Kind:
    """What values a variable takes, their ranks, and how they are checked, shown and searched."""

    __slots__ = ()
    name: ClassVar[str]
    takes_words: ClassVar[bool] = False
    """Whether an input may be a likelihood word ("likely"): the chance of a boolean being true."""
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

    def chances(self, written: Mapping[Any, Any], variable: str) -> list[tuple[Value, Fraction]]:
        """An uncertain input written as a mapping: each value with its probability, summing to 1; `ChanceProblem` if wrong."""
        raise ChanceProblem(f"'{variable}' takes one value, not a mapping")

    def chances_schema(self) -> dict[str, Any]:
        """The JSON Schema of the mapping forms `chances` reads."""
        return {"not": {}}

    def chances_strategy(self) -> Any:
        """A hypothesis strategy over the mapping forms `chances` reads, as a scenario file writes them."""
        raise NotImplementedError

    def chances_examples(self) -> tuple[str, ...]:
        """Each mapping form `chances` reads, as one example a scenario file can hold (YAML flow style)."""
        return ()

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


@record
class BooleanKind(Kind):
    name: ClassVar[str] = "boolean"
    takes_words: ClassVar[bool] = True

    def operator_problem(self, op: Op, variable: str) -> tuple[str, str] | None:
        if op in (Op.IS, Op.IS_NOT):
            return None
        return f"'{op.value}' does not apply to boolean '{variable}'", "use 'is' or 'is_not'"

    def rank(self, value: Value) -> float:
        return 1 if value else 0

    def problem(self, value: object, variable: str, written: str | None = None) -> tuple[str, str | None] | None:
        if isinstance(value, bool):
            return None
        return f"expected true or false for boolean '{variable}', got {echo(value, written)}", boolean_hint(value)

    def describe(self) -> str:
        return "true | false"

    def chances(self, written: Mapping[Any, Any], variable: str) -> list[tuple[Value, Fraction]]:
        if set(written) != {"chance"}:
            raise ChanceProblem(f"expected {{chance: P}} for boolean '{variable}'", "write {chance: 0.3}, or a likelihood word")
        chance = probability(written["chance"], f"'{variable}' being true", ("chance",))
        return [(True, chance), (False, 1 - chance)]

    def chances_schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {"chance": {"type": "number", "minimum": 0, "maximum": 1}},
            "required": ["chance"],
            "additionalProperties": False,
        }

    def chances_strategy(self) -> Any:
        from hypothesis import strategies

        return strategies.integers(0, 100).map(lambda percent: {"chance": percent / 100})

    def chances_examples(self) -> tuple[str, ...]:
        return ("{chance: 0.3}",)

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


@record
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
        hint = did_you_mean(value, self.levels, listing=False) if isinstance(value, str) else None
        return f"expected one of {', '.join(self.levels)} for '{variable}', got {echo(value, written)}", hint

    def describe(self) -> str:
        return " < ".join(self.levels)

    def chances(self, written: Mapping[Any, Any], variable: str) -> list[tuple[Value, Fraction]]:
        pairs: list[tuple[Value, Fraction]] = []
        for level, chance in written.items():
            if not isinstance(level, str) or level not in self._ranks:
                hint = did_you_mean(level, self.levels) if isinstance(level, str) else None
                raise ChanceProblem(f"{show_value(level)} is not a level of '{variable}' ({', '.join(self.levels)})", hint, (level,))
            pairs.append((level, probability(chance, f"'{variable}' being {level}", (level,))))
        return table(pairs, variable)

    def chances_schema(self) -> dict[str, Any]:
        chance = {"type": "number", "minimum": 0, "maximum": 1}
        return {"type": "object", "properties": dict.fromkeys(self.levels, chance), "additionalProperties": False, "minProperties": 1}

    def chances_strategy(self) -> Any:
        from hypothesis import strategies

        weights = strategies.lists(strategies.integers(0, 10), min_size=len(self.levels), max_size=len(self.levels)).filter(any)
        return weights.map(lambda drawn: {level: weight / sum(drawn) for level, weight in zip(self.levels, drawn, strict=True) if weight})

    def chances_examples(self) -> tuple[str, ...]:
        return (f"{{{yaml_scalar(self.levels[0])}: 0.3, {yaml_scalar(self.levels[-1])}: 0.7}}",)

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


@record
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
        shown = echo(value, written)
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

    def chances(self, written: Mapping[Any, Any], variable: str) -> list[tuple[Value, Fraction]]:
        pairs: list[tuple[Value, Fraction]] = []
        for value, chance in written.items():
            wrong = self.problem(value, variable)
            if wrong is not None:
                raise ChanceProblem(*wrong, key=(value,))
            pairs.append((value, probability(chance, f"'{variable}' being {show_plain(value)}", (value,))))
        return table(pairs, variable)

    def between(self, written: Mapping[Any, Any], variable: str) -> tuple[int, int]:
        """The ends of `{between: [A, B]}` (every whole number from A to B, equally likely); `ChanceProblem` if wrong."""
        ends = written["between"]
        if len(written) != 1 or not isinstance(ends, list) or len(ends) != 2:
            raise ChanceProblem(f"expected {{between: [A, B]}} for '{variable}'", "write {between: [0, 5]}", ("between",))
        if not self.integer:
            raise ChanceProblem(
                f"'between' takes whole numbers, and '{variable}' is continuous", "give values and their chances", ("between",)
            )
        for end in ends:
            wrong = self.problem(end, variable)
            if wrong is not None:
                raise ChanceProblem(*wrong, key=("between",))
        low, high = ends
        if low > high:
            raise ChanceProblem(f"'between' goes from {low} up to {high}, which is lower", f"write [{high}, {low}]", ("between",))
        return low, high

    def chances_schema(self) -> dict[str, Any]:
        number = {"type": "integer" if self.integer else "number", "minimum": self.minimum, "maximum": self.maximum}
        table = {
            "type": "object",
            "propertyNames": {"pattern": r"^-?[0-9.eE+-]+$"},
            "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1},
        }
        if not self.integer:
            return table
        between = {
            "type": "object",
            "properties": {"between": {"type": "array", "items": number, "minItems": 2, "maxItems": 2}},
            "required": ["between"],
            "additionalProperties": False,
        }
        return {"oneOf": [between, table]}

    def chances_examples(self) -> tuple[str, ...]:
        low, high = show_plain(self.minimum), show_plain(self.maximum)
        table = f"{{{low}: 0.5, {high}: 0.5}}"
        if not self.integer:
            return (table,)
        return (f"{{between: [{low}, {show_plain(min(self.maximum, self.minimum + 5))}]}}", table)

    def chances_strategy(self) -> Any:
        """Whole numbers: `{between: [A, B]}` or a table of a few values; continuous ones: a table."""
        from hypothesis import strategies

        values = self.strategy()
        table = strategies.dictionaries(values, strategies.integers(1, 10), min_size=1, max_size=4).map(
            lambda weights: {value: weight / sum(weights.values()) for value, weight in weights.items()}
        )
        if not self.integer:
            return table
        spans = strategies.tuples(values, strategies.integers(0, 20)).map(
            lambda start: [start[0], min(start[0] + start[1], math.floor(self.maximum))]
        )
        return table | spans.map(lambda ends: {"between": ends})

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


def allowed(op: Op, values: Sequence[Value], scale: Sequence[str]) -> tuple[str, ...]:
    """The outcomes of an ordered `scale` that the stance `op values` permits, in scale order."""
    return _allowed(op, tuple(values), tuple(scale))


@lru_cache(maxsize=4_096)
def _allowed(op: Op, values: tuple[Value, ...], scale: tuple[str, ...]) -> tuple[str, ...]:
    """`allowed`, kept: a rule base has a few distinct conclusions, asked of again for every stance of every scenario."""
    kind = LevelKind(scale)
    return tuple(outcome for outcome in scale if kind.holds(op, outcome, values))

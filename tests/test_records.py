"""Records behave as frozen, slotted dataclasses do, where the engine relies on it."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError
from typing import ClassVar

import pytest

from engine.records import field, fields, is_record, record, replace


@record
class Point:
    x: int
    y: int = 0
    label: str = field(default="", compare=False)
    kind: ClassVar[str] = "point"


@record(order=True)
class Ranked:
    rank: int
    name: str


@record
class Derived:
    items: tuple[int, ...]
    total: int = field(init=False, repr=False, compare=False)
    tags: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum(self.items))


def test_init_defaults_and_class_variables() -> None:
    assert (Point(1).x, Point(1).y, Point(1, 2).y, Point(1, y=3).y, Point.kind) == (1, 0, 2, 3, "point")
    assert [spec.name for spec in fields(Point)] == ["x", "y", "label"]
    with pytest.raises(TypeError, match="missing 'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected argument 'z'"):
        Point(1, z=2)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="two values"):
        Point(1, x=2)  # type: ignore[misc]


def test_frozen_and_slotted() -> None:
    point = Point(1)
    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del point.x  # type: ignore[misc]
    assert not hasattr(point, "__dict__")


def test_equality_hash_and_repr_follow_the_compared_fields() -> None:
    assert Point(1, 2, "a") == Point(1, 2, "b") and hash(Point(1, 2, "a")) == hash(Point(1, 2, "b"))
    assert Point(1, 2) != Point(2, 1) and Point(1) != (1, 0)
    assert repr(Point(1, 2, "a")) == "Point(x=1, y=2, label='a')"
    assert repr(Derived((1, 2))) == "Derived(items=(1, 2), tags={})"


def test_order() -> None:
    assert sorted([Ranked(2, "b"), Ranked(1, "z"), Ranked(1, "a")]) == [Ranked(1, "a"), Ranked(1, "z"), Ranked(2, "b")]
    with pytest.raises(TypeError):
        _ = Point(1) < Point(2)  # type: ignore[operator]


def test_post_init_factories_and_replace() -> None:
    derived = Derived((1, 2, 3))
    assert derived.total == 6 and derived.tags == {} and Derived((1,)).tags is not derived.tags
    changed = replace(derived, items=(4,))
    assert changed.total == 4 and derived.total == 6
    with pytest.raises(ValueError, match="computed"):
        replace(derived, total=1)
    assert is_record(derived) and is_record(Derived) and not is_record(3)


def test_pickle_and_copy_keep_every_field() -> None:
    for value in (Point(1, 2, "x"), Derived((1, 2)), Ranked(3, "c")):
        again = pickle.loads(pickle.dumps(value))
        assert again == value and repr(again) == repr(value)
        assert copy.deepcopy(value) == value
    assert pickle.loads(pickle.dumps(Derived((5,)))).total == 5

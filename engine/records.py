"""Immutable records, declared like frozen dataclasses and built without compiling code.

The engine's data (the rule base model, programs, forecasts, probabilities)
is some sixty small immutable record types, and every run defines them all.
`dataclasses.dataclass` writes each class's methods as source text and
compiles it: measured on this project, 41 ms of a 100 ms `forecast` run.
`@record` gives the same behaviour from a few shared functions, in
microseconds a class:

    @record
    class Span:
        start: int
        end: int = 0
        label: str = field(default="", compare=False)

- frozen: assigning an attribute raises `dataclasses.FrozenInstanceError`;
  `__post_init__` may set fields with `object.__setattr__`;
- slotted, with `__init__`, `__repr__`, `__eq__` and `__hash__` over the
  fields (those with `compare=False` left out), and with `order=True` the
  comparisons, field by field;
- `fields`, `replace` and `is_record` stand in for their `dataclasses`
  namesakes; records pickle and copy.

Annotations are read as written (`from __future__ import annotations`): a
field whose annotation starts with `ClassVar` is a class variable.
"""

from __future__ import annotations

import inspect
import operator
from collections.abc import Callable
from dataclasses import FrozenInstanceError
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")
_MISSING: Any = object()


class Field:
    """One field of a record: its name, default or default factory, and whether init, repr and compare see it."""

    __slots__ = ("compare", "default", "default_factory", "init", "name", "repr")

    def __init__(self, default: Any, default_factory: Callable[[], Any] | None, init: bool, repr: bool, compare: bool) -> None:
        self.name = ""
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.compare = compare

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING or self.default_factory is not None

    def value(self) -> Any:
        return self.default_factory() if self.default_factory is not None else self.default


def field(
    *,
    default: Any = _MISSING,
    default_factory: Callable[[], Any] | None = None,
    init: bool = True,
    repr: bool = True,
    compare: bool = True,
) -> Any:
    """A field with options, as `dataclasses.field`."""
    return Field(default, default_factory, init, repr, compare)


def fields(target: object) -> tuple[Field, ...]:
    """The fields of a record or record class, in declaration order."""
    cls = target if isinstance(target, type) else type(target)
    found: tuple[Field, ...] = cls.__record_fields__  # type: ignore[attr-defined]
    return found


def is_record(target: object) -> bool:
    cls = target if isinstance(target, type) else type(target)
    return hasattr(cls, "__record_fields__")


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of a record with some fields changed, as `dataclasses.replace`."""
    for spec in fields(obj):
        if spec.init and spec.name not in changes:
            changes[spec.name] = getattr(obj, spec.name)
        elif not spec.init and spec.name in changes:
            raise ValueError(f"field {spec.name} is computed, it cannot be replaced")
    return type(obj)(**changes)


@overload
def record(cls: type[T], /) -> type[T]: ...
@overload
def record(*, order: bool = False) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[T] | None = None, /, *, order: bool = False) -> type[T] | Callable[[type[T]], type[T]]:
    """Make `cls` a frozen, slotted record of its annotated fields; `order=True` adds the comparisons."""

    def wrap(cls: type[T]) -> type[T]:
        return _build(cls, order)

    return wrap if cls is None else wrap(cls)


def _own_fields(cls: type) -> list[Field]:
    specs = []
    for name, annotation in inspect.get_annotations(cls).items():
        text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
        if text.startswith(("ClassVar", "typing.ClassVar")):
            continue
        written = cls.__dict__.get(name, _MISSING)
        spec = written if isinstance(written, Field) else Field(written, None, True, True, True)
        spec.name = name
        specs.append(spec)
    return specs


def _build(cls: type[T], order: bool) -> type[T]:
    inherited = [spec for base in reversed(cls.__mro__[1:]) for spec in base.__dict__.get("__record_fields__", ())]
    specs = tuple({spec.name: spec for spec in (*inherited, *_own_fields(cls))}.values())
    namespace = {key: value for key, value in cls.__dict__.items() if key not in ("__dict__", "__weakref__")}
    for spec in specs:
        namespace.pop(spec.name, None)
    taken = {name for base in cls.__mro__[1:] for name in base.__dict__.get("__slots__", ())}
    namespace["__slots__"] = tuple(spec.name for spec in specs if spec.name not in taken)
    compared = tuple(spec.name for spec in specs if spec.compare)
    namespace.update(
        __record_fields__=specs,
        __init__=_initialiser(specs, "__post_init__" in namespace or any(hasattr(base, "__post_init__") for base in cls.__mro__[1:])),
        __repr__=_representer(tuple(spec.name for spec in specs if spec.repr)),
        __eq__=_equality(compared),
        __hash__=_hasher(compared),
        __setattr__=_frozen_set,
        __delattr__=_frozen_delete,
        __getstate__=_state_of(tuple(spec.name for spec in specs)),
        __setstate__=_set_state,
    )
    if order:
        for name, compare in (("__lt__", operator.lt), ("__le__", operator.le), ("__gt__", operator.gt), ("__ge__", operator.ge)):
            namespace[name] = _comparison(compared, compare)
    maker: Callable[..., type[T]] = type(cls)
    return maker(cls.__name__, cls.__bases__, namespace)


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if not names:
        return lambda obj: ()
    getter = operator.attrgetter(*names)
    return (lambda obj: (getter(obj),)) if len(names) == 1 else getter


def _initialiser(specs: tuple[Field, ...], post_init: bool) -> Callable[..., None]:
    positional = tuple(spec for spec in specs if spec.init)
    computed = tuple(spec for spec in specs if not spec.init and spec.has_default)
    names = {spec.name for spec in positional}
    setter = object.__setattr__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(positional):
            raise TypeError(f"{type(self).__name__}() takes {len(positional)} arguments, {len(args)} were given")
        for spec, value in zip(positional, args, strict=False):
            if spec.name in kwargs:
                raise TypeError(f"{type(self).__name__}() got two values for {spec.name!r}")
            setter(self, spec.name, value)
        for spec in positional[len(args) :]:
            if spec.name in kwargs:
                setter(self, spec.name, kwargs[spec.name])
            elif spec.has_default:
                setter(self, spec.name, spec.value())
            else:
                raise TypeError(f"{type(self).__name__}() is missing {spec.name!r}")
        if kwargs and not names.issuperset(kwargs):
            raise TypeError(f"{type(self).__name__}() got an unexpected argument {sorted(set(kwargs) - names)[0]!r}")
        for spec in computed:
            setter(self, spec.name, spec.value())
        if post_init:
            self.__post_init__()

    return __init__


def _representer(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        return f"{type(self).__qualname__}({', '.join(f'{name}={getattr(self, name)!r}' for name in names)})"

    return __repr__


def _equality(names: tuple[str, ...]) -> Callable[[Any, Any], Any]:
    key = _key(names)

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _hasher(names: tuple[str, ...]) -> Callable[[Any], int]:
    key = _key(names)

    def __hash__(self: Any) -> int:
        return hash(key(self))

    return __hash__


def _comparison(names: tuple[str, ...], compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], Any]:
    key = _key(names)

    def method(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compare(key(self), key(other))
        return NotImplemented

    return method


def _frozen_set(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delete(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _state_of(names: tuple[str, ...]) -> Callable[[Any], dict[str, Any]]:
    def __getstate__(self: Any) -> dict[str, Any]:
        return {name: getattr(self, name) for name in names}

    return __getstate__


def _set_state(self: Any, state: dict[str, Any]) -> None:
    for name, value in state.items():
        object.__setattr__(self, name, value)

"""Checks of the library's arguments: each wrong one raises `InputError` naming it, never a silent answer.

Shared by the front door (`engine.pipeline`) and by many scenarios at once
(`engine.bulk`), which sit side by side: neither imports the other for them.
"""

from __future__ import annotations

from typing import NoReturn

from engine.errors import InputError
from engine.language import show_value


def count(name: str, value: object, minimum: int = 1, maximum: int | None = None) -> int:
    """`value` if it is an int (not a bool) from `minimum` to `maximum`, else `InputError` naming the argument `name`."""
    if isinstance(value, int) and not isinstance(value, bool) and minimum <= value and (maximum is None or value <= maximum):
        return value
    span = f"from {minimum:,} to {maximum:,}" if maximum is not None else f"of at least {minimum:,}"
    return refused(name, f"expected an integer {span}, got {show_value(value)}", "pass a whole number in that range")


def integer(name: str, value: object) -> int:
    """`value` if it is an int (not a bool), else `InputError` naming the argument `name`."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return refused(name, f"expected an integer, got {show_value(value)}", "pass a whole number")


def refused(name: str, message: str, suggestion: str | None) -> NoReturn:
    """Raise the `InputError` of argument `name`: what is wrong with it and how to mend it."""
    raise InputError(message, key=name, suggestion=suggestion)

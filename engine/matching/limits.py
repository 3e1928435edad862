"""What durable_rules cannot hold, checked before anything is registered.

Filled in from measurements (see tests/test_durable_limits.py).
"""

from __future__ import annotations

from engine.errors import InputError
from engine.matching.compile import Program


def limit_problems(program: Program) -> list[str]:
    """Each way `program` exceeds what durable_rules can run; empty when it fits."""
    return []


def require_within_limits(program: Program) -> None:
    problems = limit_problems(program)
    if problems:
        raise InputError(problems[0])

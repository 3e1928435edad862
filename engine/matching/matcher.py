"""What running a compiled program means, independent of the engine behind it.

A `Matcher` evaluates one scenario against a `Program` and returns the
firings: which branch of which rule fired, in which stratum, and what the
engine matched. `engine.matching.durable` is the production matcher; any
other (a reference model in the tests, a vectorised sweep later) must give
the same firings for the same input.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping

from engine.language import Value
from engine.matching.compile import Program
from engine.records import record


@record(order=True)
class Firing:
    """One branch of one rule fired; `facts` are the derived facts it matched."""

    stratum: int
    rule_id: str
    branch: int
    facts: tuple[str, ...] = ()


class Matcher(ABC):
    """Evaluates scenarios against one compiled program."""

    def __init__(self, program: Program) -> None:
        self.program = program

    @abstractmethod
    def run(self, values: Mapping[str, Value]) -> tuple[Firing, ...]:
        """All firings for one scenario, sorted, so the result never depends on engine order."""

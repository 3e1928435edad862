"""A reference matcher: what a compiled `Program` means, in plain Python.

`ReferenceMatcher` evaluates a program straight from its branch table, with
no rule engine behind it, so the model-based tests can hold the durable_rules
matcher to the meaning of the program rather than to its own output. It is
written to be obviously correct, not fast:

- strata run in order; inside a stratum, every branch is tried again and
  again until a whole pass fires nothing new (a fixed point);
- a branch fires when every literal holds: a variable test means what
  `engine.language` says it means (each kind's ranks, compared by the
  operator), a positive fact literal looks at every fact derived so far, and
  a negative one looks only at the facts of the lower strata, which are
  complete;
- a firing carries the positive facts of its branch, in literal order.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.language import FactLiteral, Literal, Value
from engine.matching.compile import Branch
from engine.matching.matcher import Firing, Matcher


class ReferenceMatcher(Matcher):
    """Evaluates a program by its definition: strata, fixed points, literals."""

    def run(self, values: Mapping[str, Value]) -> tuple[Firing, ...]:
        """All firings for one scenario, sorted like every other matcher's."""
        self.program.encode(values)  # refuses what the engine would refuse
        derived: set[str] = set()
        firings: set[Firing] = set()
        for stratum in self.program.strata:
            lower = frozenset(derived)  # complete: no later stratum adds to it
            fired: set[str] = set()
            changed = True
            while changed:
                changed = False
                for name, branch in sorted(stratum.branches.items()):
                    if name in fired or not all(self._holds(literal, values, derived, lower) for literal in branch.literals):
                        continue
                    fired.add(name)
                    changed = True
                    firings.add(Firing(stratum.index, branch.rule_id, branch.index, _positive_facts(branch)))
                    produced = self.program.rule_facts.get(branch.rule_id)
                    if produced is not None:
                        derived.add(produced)
        return tuple(sorted(firings))

    def _holds(self, literal: Literal, values: Mapping[str, Value], derived: set[str], lower: frozenset[str]) -> bool:
        """Whether one literal holds, given the facts derived so far."""
        if isinstance(literal, FactLiteral):
            return literal.fact in derived if literal.positive else literal.fact not in lower
        return self.program.kinds[literal.var].holds(literal.op, values[literal.var], literal.values)


def _positive_facts(branch: Branch) -> tuple[str, ...]:
    """The derived facts a branch needs present: what a firing reports it matched."""
    return tuple(literal.fact for literal in branch.literals if isinstance(literal, FactLiteral) and literal.positive)

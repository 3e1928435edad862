"""Order rules into strata so that negation over derived facts is sound.

The rule engine has no truth maintenance: a rule that fires because a fact
is absent is never taken back when the fact arrives later. So a rule that
negates fact F must run only after every rule that can derive F has run.
Stratum numbers make that order: a rule's stratum is at least the stratum
of every fact it uses, and greater than that of every fact it negates.
Negations that form a cycle have no such order and are refused.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from engine.graphs import components
from engine.language import Condition, FactClaim, FactRef, leaves
from engine.model import Rule, Vocabulary
from engine.records import record


class NegationCycle(Exception):
    """Rules whose negations loop back on themselves."""

    def __init__(self, rules: list[str]) -> None:
        super().__init__(" -> ".join(rules))
        self.rules = rules


@record
class Strata:
    """The stratum of every rule and fact; rules run stratum by stratum."""

    rule_stratum: dict[str, int]
    fact_stratum: dict[str, int]

    @property
    def count(self) -> int:
        return max(self.rule_stratum.values(), default=-1) + 1


def fact_uses(condition: Condition | None) -> Iterator[tuple[str, bool]]:
    """Each fact a condition mentions, with True where it is under a negation."""
    for leaf in leaves(condition):
        if isinstance(leaf.node, FactRef):
            yield leaf.node.fact, leaf.negated


def stratify(rules: Iterable[Rule], vocabulary: Vocabulary) -> Strata:
    """Assign strata, or raise `NegationCycle` naming the rules in the loop."""
    rules = tuple(rules)
    producers: dict[str, list[Rule]] = {}
    for rule in rules:
        if isinstance(rule.then, FactClaim):
            producers.setdefault(rule.then.fact, []).append(rule)
    _refuse_negation_cycles(rules, producers)

    fact_stratum = dict.fromkeys(vocabulary.facts, 0)
    changed = True
    while changed:
        changed = False
        for fact, makers in producers.items():
            need = max((_need(rule, fact_stratum) for rule in makers), default=0)
            if need > fact_stratum.get(fact, 0):
                fact_stratum[fact] = need
                changed = True
    # Every producer of a fact runs in the fact's stratum, so the fact is
    # complete when that stratum ends.
    rule_stratum = {
        rule.id: fact_stratum[rule.then.fact] if isinstance(rule.then, FactClaim) else _need(rule, fact_stratum) for rule in rules
    }
    return Strata(rule_stratum=rule_stratum, fact_stratum=fact_stratum)


def _need(rule: Rule, fact_stratum: dict[str, int]) -> int:
    return max(
        (fact_stratum.get(fact, 0) + (1 if negated else 0) for fact, negated in fact_uses(rule.when)),
        default=0,
    )


def _refuse_negation_cycles(rules: tuple[Rule, ...], producers: dict[str, list[Rule]]) -> None:
    """Find a cycle through a negated edge in the rule dependency graph."""
    # Edge: rule A -> rule B when B uses the fact A concludes.
    edges: dict[str, list[tuple[str, bool]]] = {rule.id: [] for rule in rules}
    for rule in rules:
        for fact, negated in fact_uses(rule.when):
            for maker in producers.get(fact, ()):
                edges[maker.id].append((rule.id, negated))
    for component, cyclic in components(sorted(edges), {node: [target for target, _ in found] for node, found in edges.items()}):
        if not cyclic:
            continue
        members = set(component)
        if any(negated for node in component for target, negated in edges[node] if target in members):
            raise NegationCycle(_cycle_in(members, edges))


def _cycle_in(members: set[str], edges: dict[str, list[tuple[str, bool]]]) -> list[str]:
    """A closed walk through one negated edge inside a strongly connected set."""
    start, first = next((node, target) for node in sorted(members) for target, negated in edges[node] if negated and target in members)
    path = _path(first, start, members, edges)
    return [start, *path]


def _path(source: str, goal: str, members: set[str], edges: dict[str, list[tuple[str, bool]]]) -> list[str]:
    previous: dict[str, str | None] = {source: None}
    queue = [source]
    while queue:
        node = queue.pop(0)
        if node == goal:
            break
        for target, _ in edges[node]:
            if target in members and target not in previous:
                previous[target] = node
                queue.append(target)
    walk: list[str] = []
    step: str | None = goal
    while step is not None:
        walk.append(step)
        step = previous[step]
    return list(reversed(walk))

"""Compile a validated rule base into a `Program`: strata of branches, ready for any matcher.

Each rule's condition is brought into disjunctive normal form
(`engine.language.branches`); each branch is a conjunction of literals and
fires on its own. Rules run stratum by stratum (`engine.matching.strata`), so a
negated fact is final before any rule looks at its absence. A matcher
(`engine.matching.matcher`) evaluates a `Program`; how a matcher's engine
spells a branch is the matcher's business.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from engine.language import FactClaim, FactLiteral, Kind, Literal, Value, branches
from engine.model import Rule, RuleBase, Vocabulary
from engine.records import record


@record
class Branch:
    """One conjunctive branch of a rule's condition."""

    rule_id: str
    index: int
    literals: tuple[Literal, ...]

    @property
    def name(self) -> str:
        return f"{self.rule_id}#{self.index}"


@record
class Stratum:
    """The branches of one stratum, by name, and the lower-stratum facts they read."""

    index: int
    branches: Mapping[str, Branch]
    reads: frozenset[str]


@record
class Program:
    """A compiled rule base: strata of branches, the fact each rule derives, and each variable's kind."""

    strata: tuple[Stratum, ...]
    rule_facts: Mapping[str, str]
    kinds: Mapping[str, Kind]

    def encode(self, values: Mapping[str, Value]) -> dict[str, float]:
        """Every value as its rank: 0/1, a level's position, the number itself.

        A rule engine that checks no types (durable_rules: `"abc" >= 10` is
        true) must see only ranks, so anything not of its variable's kind is
        refused here.
        """
        encoded: dict[str, float] = {}
        for name in sorted(values):
            value = values[name]
            problem = self.kinds[name].problem(value, name)
            if problem is not None:
                raise TypeError(problem[0])
            encoded[name] = self.kinds[name].rank(value)
        return encoded

    def literals(self) -> Iterator[Literal]:
        """Every literal of every branch, stratum by stratum."""
        for stratum in self.strata:
            for branch in stratum.branches.values():
                yield from branch.literals

    @property
    def branch_count(self) -> int:
        return sum(len(stratum.branches) for stratum in self.strata)


def compile_rules(rules: tuple[Rule, ...], vocabulary: Vocabulary) -> Program:
    """Compile validated rules (every condition within `MAX_BRANCHES`) into a `Program`, in rule id order."""
    from engine.matching.strata import stratify  # not needed when the program comes from the cache

    strata = stratify(rules, vocabulary)
    tables: list[dict[str, Branch]] = [{} for _ in range(strata.count)]
    reads: list[set[str]] = [set() for _ in range(strata.count)]
    for rule in sorted(rules, key=lambda rule: rule.id):
        level = strata.rule_stratum[rule.id]
        for index, literals in enumerate(branches(rule.when)):
            branch = Branch(rule.id, index, literals)
            tables[level][branch.name] = branch
            for literal in literals:
                if isinstance(literal, FactLiteral) and (not literal.positive or strata.fact_stratum[literal.fact] < level):
                    reads[level].add(literal.fact)
    return Program(
        strata=tuple(Stratum(index=level, branches=tables[level], reads=frozenset(reads[level])) for level in range(strata.count)),
        rule_facts={rule.id: rule.then.fact for rule in rules if isinstance(rule.then, FactClaim)},
        kinds=dict(vocabulary.kinds),
    )


def compile_rule_base(rule_base: RuleBase) -> Program:
    return compile_rules(rule_base.rules, rule_base.vocabulary)

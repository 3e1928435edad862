"""The rule base as a ProbLog program, for an independent check of firing and fact probabilities.

Written from the rule base's own condition trees (not from the engine's
normal form or scenario classes), so that ProbLog's exact inference checks
the engine's whole chain: inputs, conditions, chaining, negation, mixture.

- every variable's input is an annotated disjunction over its ranks (false 0,
  true 1, a level's position, a number itself), one fact for a certain value;
- every subcondition is a predicate of its own, `c<N>`: a test compares the
  variable's rank, `all` is a conjunction, `any` one clause per alternative;
  `not` is pushed down to the tests and facts by De Morgan's laws, so that
  ProbLog sees a negation only on a ground test or fact (it refuses any
  cycle through a negation, even a double one);
- every rule is `fires(Rule) :- c<N>.`, its hedge left out, and every fact
  is `fact(Fact) :- fires(Rule).` for each rule that derives it; a rule that
  derives a fact with a chance `p` of its own (`switches`: a hedge carried
  along the chain, at one corner of its range) is the probabilistic clause
  `p::fires(Rule) :- c<N>.`, one independent cause of its fact (noisy-or).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from itertools import count

from engine.language import AllOf, AnyOf, Condition, FactClaim, FactRef, NotOf, Op, VarTest
from engine.matching.strata import stratify
from engine.model import Between, ChanceRange, Chances, Input, Rule, Vocabulary

_COMPARE = {Op.IS: "=:=", Op.IS_NOT: "=\\=", Op.AT_LEAST: ">=", Op.AT_MOST: "=<", Op.ABOVE: ">", Op.BELOW: "<"}


def _atom(name: str) -> str:
    return "'" + name.replace("'", "\\'") + "'"


def _number(value: float) -> str:
    return repr(float(value))


def _inputs(vocabulary: Vocabulary, inputs: Mapping[str, Input]) -> Iterator[str]:
    for position, (name, given) in enumerate(inputs.items()):
        kind = vocabulary.kinds[name]
        predicate = f"v{position}"
        if isinstance(given, ChanceRange):
            raise ValueError("ProbLog takes point probabilities: give the corner, not the word")
        if isinstance(given, (Chances, Between)):
            spelt = given.pairs() if isinstance(given, Between) else zip(given.values, given.weights, strict=True)
            pairs = [(kind.rank(value), weight) for value, weight in spelt if weight]
            yield "; ".join(f"{float(weight)!r}::{predicate}({_number(rank)})" for rank, weight in pairs) + "."
        else:
            yield f"{predicate}({_number(kind.rank(given))})."


class Translation:
    """A rule base and one scenario's inputs as ProbLog source, with a query per rule and per fact."""

    def __init__(
        self, vocabulary: Vocabulary, rules: tuple[Rule, ...], inputs: Mapping[str, Input], switches: Mapping[str, float] | None = None
    ) -> None:
        self.vocabulary = vocabulary
        self.predicates = {name: f"v{position}" for position, name in enumerate(inputs)}
        self.lines: list[str] = list(_inputs(vocabulary, inputs))
        self._names = count()
        for rule in rules:
            chance = (switches or {}).get(rule.id)
            head = f"fires({_atom(rule.id)})" if chance is None else f"{float(chance)!r}::fires({_atom(rule.id)})"
            if rule.when is None:
                self.lines.append(f"{head}.")
            else:
                self.lines.append(f"{head} :- {self._condition(rule.when)}.")
            if isinstance(rule.then, FactClaim):
                self.lines.append(f"fact({_atom(rule.then.fact)}) :- fires({_atom(rule.id)}).")
        # Queried lowest stratum first: ProbLog then has a fact's table complete before any rule negates it.
        # Asked in another order, it can take a negation next to a positive loop for a negative cycle.
        strata = stratify(rules, vocabulary)
        derived = {rule.then.fact for rule in rules if isinstance(rule.then, FactClaim)}
        facts = sorted((fact for fact in vocabulary.facts if fact in derived), key=lambda fact: strata.fact_stratum[fact])
        self.lines += [f"query(fact({_atom(fact)}))." for fact in facts]
        self.lines += [f"query(fires({_atom(rule.id)}))." for rule in sorted(rules, key=lambda rule: strata.rule_stratum[rule.id])]

    @property
    def source(self) -> str:
        return "\n".join(self.lines) + "\n"

    def _condition(self, condition: Condition, negated: bool = False) -> str:
        """The name of a fresh predicate that holds exactly when `condition` does (or does not, when `negated`)."""
        if isinstance(condition, NotOf):
            return self._condition(condition.item, not negated)
        if negated and isinstance(condition, (VarTest, FactRef)):
            name = f"c{next(self._names)}"
            self.lines.append(f"{name} :- \\+ {self._condition(condition)}.")
            return name
        name = f"c{next(self._names)}"
        if isinstance(condition, VarTest):
            kind = self.vocabulary.kinds[condition.var]
            ranks = [_number(kind.rank(value)) for value in condition.values]
            variable = f"X{name}"
            if condition.op is Op.IN:
                test = "(" + "; ".join(f"{variable} =:= {rank}" for rank in ranks) + ")"
            elif condition.op is Op.NOT_IN:
                test = ", ".join(f"{variable} =\\= {rank}" for rank in ranks)
            else:
                test = f"{variable} {_COMPARE[condition.op]} {ranks[0]}"
            self.lines.append(f"{name} :- {self.predicates[condition.var]}({variable}), {test}.")
        elif isinstance(condition, FactRef):
            self.lines.append(f"{name} :- fact({_atom(condition.fact)}).")
            self.lines.append(f"fact({_atom(condition.fact)}) :- fail.")  # a fact no rule derives is false, not unknown
        elif isinstance(condition, AllOf) != negated:  # a conjunction: all of, or none of an any
            self.lines.append(f"{name} :- {', '.join(self._condition(item, negated) for item in condition.items)}.")
        else:  # a disjunction: any of, or not all of an all
            assert isinstance(condition, (AllOf, AnyOf))
            for item in condition.items:
                self.lines.append(f"{name} :- {self._condition(item, negated)}.")
        return name

    def evaluate(self) -> tuple[dict[str, float], dict[str, float]]:
        """ProbLog's exact probabilities: each rule firing, and each fact derived."""
        from problog import get_evaluatable
        from problog.program import PrologString

        results = get_evaluatable().create_from(PrologString(self.source)).evaluate()
        rules: dict[str, float] = {}
        facts: dict[str, float] = {}
        for term, probability in results.items():
            target = rules if term.functor == "fires" else facts
            target[str(term.args[0]).strip("'")] = float(probability)
        return rules, facts

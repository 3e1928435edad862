"""A matcher compiled to Python: the program becomes one straight-line function.

The function reads each variable's rank once, then evaluates every branch
once, stratum by stratum, in an order where a branch comes after every
branch of its stratum that derives a fact it needs. Branches that need each
other's facts (a positive cycle) run together in a loop until none fires
any more. Negated facts belong to lower strata, so they are final when read.
What each test means comes from `engine.language` (`python_test` beside
`compare`); tests/test_compiled.py holds this matcher to the durable_rules
one on every class of the shipped rule base, on random rule bases and on a
1,000-rule synthetic base.

It has none of durable_rules' limits, and it is fast: a few microseconds a
scenario on the shipped rule base.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from engine.graphs import components
from engine.language import FactLiteral, Value, VarTest, python_test
from engine.matching.compile import Branch, Program, Stratum
from engine.matching.matcher import Firing, Matcher

Encoded = Mapping[str, float]


def _firing(stratum: int, branch: Branch) -> Firing:
    facts = tuple(literal.fact for literal in branch.literals if isinstance(literal, FactLiteral) and literal.positive)
    return Firing(stratum, branch.rule_id, branch.index, facts)


def _order(stratum: Stratum, produced: Mapping[str, str]) -> list[tuple[list[str], bool]]:
    """The stratum's branches as groups in dependency order, each group marked cyclic or not.

    Each branch points at the branches that derive the facts it needs, and
    Tarjan's algorithm emits a component only after every component it
    points at: producers come before their readers. A group whose members
    need each other's facts is cyclic.
    """
    makers: dict[str, list[str]] = {}
    for name, branch in stratum.branches.items():
        fact = produced.get(branch.rule_id)
        if fact is not None:
            makers.setdefault(fact, []).append(name)
    needs = {
        name: sorted({maker for fact in _firing(stratum.index, branch).facts for maker in makers.get(fact, ())})
        for name, branch in stratum.branches.items()
    }
    return components(sorted(stratum.branches), needs)


def variable_names(program: Program) -> dict[str, str]:
    """The name each variable's rank has in generated code: `x0`, `x1`, ... in name order."""
    return {name: f"x{position}" for position, name in enumerate(sorted(program.kinds))}


def generate(
    program: Program,
    *,
    header: Sequence[str] = ("def run(v):",),
    reads: Mapping[str, str] | None = None,
    flags: bool = False,
    tests: Sequence[VarTest] = (),
    suppressible: bool = False,
) -> tuple[str, list[Firing]]:
    """The source of `run(v)` for a program, and the firings it can return (in the order it refers to them).

    By default `run` reads each variable's rank as `v[name]` and returns the
    firings, sorted. Bulk work changes both ends: `header` replaces the `def`
    line (and may add lines that check the input), `reads` gives the
    expression of each variable's rank (its name from `variable_names`, when
    the header has set it already), and with `flags` the function returns
    instead one boolean per firing, in the order of the list returned, then
    one per test of `tests`: cheap to hash, and equal exactly when the
    firings (and the tests) are. With `suppressible`, the header must name
    `off`, a set of ids of rules that derive facts: those rules do not fire
    (a hedged rule switched off, `engine.resolve.worlds`).
    """
    variables = variable_names(program)
    facts = sorted({*program.rule_facts.values(), *(literal.fact for literal in program.literals() if isinstance(literal, FactLiteral))})
    fact_names = {fact: f"f{position}" for position, fact in enumerate(facts)}
    firings: list[Firing] = []
    flag_names: dict[tuple[int, str], str] = {}
    for stratum in program.strata:
        for name, branch in sorted(stratum.branches.items()):
            flag_names[(stratum.index, name)] = f"b{len(firings)}"
            firings.append(_firing(stratum.index, branch))

    used = sorted({literal.var for literal in program.literals() if isinstance(literal, VarTest)} | {test.var for test in tests})
    lines = list(header)
    read = reads if reads is not None else {name: f"v[{name!r}]" for name in used}
    lines += [f"    {variables[name]} = {read[name]}" for name in used if read[name] != variables[name]]
    lines += [f"    {fact_names[fact]} = False" for fact in facts]
    lines += [f"    {flag} = False" for flag in flag_names.values()]
    for stratum in program.strata:
        for group, cyclic in _order(stratum, program.rule_facts):
            indent = "    "
            if cyclic:
                lines += ["    while True:", "        changed = False"]
                indent = "        "
            for name in group:
                branch = stratum.branches[name]
                flag = flag_names[(stratum.index, name)]
                conditions = [_condition(literal, variables, fact_names, program) for literal in branch.literals]
                if suppressible and branch.rule_id in program.rule_facts:
                    conditions.append(f"{branch.rule_id!r} not in off")
                condition = " and ".join([f"not {flag}", *conditions]) if cyclic else " and ".join(conditions) or "True"
                lines.append(f"{indent}if {condition}:")
                lines.append(f"{indent}    {flag} = True")
                produced = program.rule_facts.get(branch.rule_id)
                if produced is not None:
                    lines.append(f"{indent}    {fact_names[produced]} = True")
                if cyclic:
                    lines.append(f"{indent}    changed = True")
            if cyclic:
                lines += ["        if not changed:", "            break"]
    if flags:
        returned = [f"b{position}" for position in range(len(firings))]
        returned += [_condition(test, variables, fact_names, program) for test in tests]
        lines.append(f"    return ({', '.join(returned)},)" if returned else "    return ()")
        return "\n".join(lines) + "\n", firings
    order = sorted(range(len(firings)), key=lambda position: firings[position])
    lines.append("    out = []")
    lines += [f"    if b{position}:\n        out.append(F[{position}])" for position in order]
    lines.append("    return tuple(out)")
    return "\n".join(lines) + "\n", firings


def _condition(literal: VarTest | FactLiteral, variables: Mapping[str, str], facts: Mapping[str, str], program: Program) -> str:
    if isinstance(literal, FactLiteral):
        return facts[literal.fact] if literal.positive else f"not {facts[literal.fact]}"
    kind = program.kinds[literal.var]
    return f"({python_test(literal.op, variables[literal.var], [kind.rank(value) for value in literal.values])})"


def build(program: Program) -> Callable[[Encoded], tuple[Firing, ...]]:
    """The compiled `run(ranks)` of a program."""
    source, firings = generate(program)
    run: Callable[[Encoded], tuple[Firing, ...]] = define(source, {"F": tuple(firings)})
    return run


def build_suppressible(program: Program) -> Callable[[Encoded, frozenset[str]], tuple[Firing, ...]]:
    """The compiled `run(ranks, off)` of a program: the fact rules named in `off` do not fire."""
    source, firings = generate(program, header=("def run(v, off):",), suppressible=True)
    run: Callable[[Encoded, frozenset[str]], tuple[Firing, ...]] = define(source, {"F": tuple(firings)})
    return run


def define(source: str, namespace: dict[str, Any]) -> Any:
    """The function `run` that `source` defines, with `namespace` as its globals."""
    exec(compile(source, "<forecast compiled program>", "exec"), namespace)
    return namespace["run"]


class CompiledMatcher(Matcher):
    """Evaluates scenarios with the program compiled to a Python function."""

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        self._run = build(program)
        self._run_off: Callable[[Encoded, frozenset[str]], tuple[Firing, ...]] | None = None

    def run(self, values: Mapping[str, Value]) -> tuple[Firing, ...]:
        return self._run(self.program.encode(values))

    def run_encoded(self, ranks: Encoded) -> tuple[Firing, ...]:
        """Firings for a scenario given as ranks, already checked (bulk work: no check, no encoding)."""
        return self._run(ranks)

    def run_suppressed(self, ranks: Encoded, off: frozenset[str]) -> tuple[Firing, ...]:
        """Firings for a scenario given as ranks, with the fact rules in `off` kept from firing (built when first needed)."""
        if not off:
            return self._run(ranks)
        if self._run_off is None:
            self._run_off = build_suppressible(self.program)
        return self._run_off(ranks, off)

    def run_many(self, scenarios: Iterable[Encoded]) -> list[tuple[Firing, ...]]:
        run = self._run
        return [run(ranks) for ranks in scenarios]

"""What durable_rules 2.0.28 cannot hold, found before anything is registered.

durable_rules keeps its rule network in fixed-size C arrays (src/rules/ of
its sdist) and checks few of them: past a limit it raises, loops forever in
C where no interrupt reaches it, answers wrongly, or aborts the process.
`check_ruleset` rebuilds in Python the alpha network that `createTree`
(rete.c) makes of one ruleset, node for node and hash slot for hash slot
(`engine.matching.network`), and measures it against each limit (the
stack of limit 4: `engine.matching.stack`). `limit_problems` does so for
every stratum of a program, on exactly the JSON `engine.matching.rulesets`
spells for the engine, and says in a user's words what is too big; a
program with problems runs on the compiled matcher instead
(`engine.pipeline`), and `DurableMatcher` refuses it. None of these
modules imports durable_rules. The thresholds were measured in
subprocesses on CPython 3.11; tests/test_durable_limits.py shows each one.

An alpha node is one test at one place of a pattern's `$and` chain: the
root, `kind == scenario` under it, each rule's first test under that, its
second under its first, and so on; rules that begin alike share nodes.
A pattern (`scn`, `f2`, `n3$not`) hangs off the node its tests end at; an
`$or` (our `in`) makes a fresh forward node hung off each alternative. The
limits, per ruleset:

1. At most 511 distinct tests directly under one node. Its children live
   in one table of NEXT_BUCKET_LENGTH = 512 slots (rules.h), probed
   linearly with no exit when it is full: with 512, handleAlpha
   (events.c) loops forever on the first message; the 513th makes
   findAlpha (rete.c) loop forever at registration. Uninterruptible.
2. At most 255 patterns ending at one node: its betaList of
   BETA_LIST_LENGTH = 256 entries (rules.h) is zero-terminated and
   linkAlpha (rete.c) checks for overflow one entry too late. At 256 the
   list has no end and handleAlpha reads past it (wrong answers, or a
   segfault); at 257, error 108 or a write past the list.
3. At most 127 `$or` with the same alternative at one place: the
   alternative's nextList (NEXT_LIST_LENGTH = 128) has the same flaw.
4. At most 64 nodes pending at once while a scenario is matched:
   handleAlpha pushes every forward node and every matching child before
   it descends, on a stack of MAX_STACK_SIZE = 64 (events.c). Past it,
   error 303; then deleting the state frees a pointer that was never set
   (deleteStateNode, state.c) and the process aborts.
5. At most 15 `$and`/`$or` in one pattern (each `in`/`not_in` is one, the
   pattern's own `$and` another): two entries each in an expressionSequence
   of MAX_SEQUENCE_EXPRESSIONS = 32 (rete.h); error 113 at registration.
6. At most 16 positive patterns in one rule (the scenario and each fact it
   needs): a partial match holds MAX_MESSAGE_FRAMES = 16 (state.h); error
   304 when the rule matches, then the abort of 4.
7. At most 4096 rules in one ruleset: MAX_ACTIONS (rete.c); error 106.
8. At most 251 variables: a fact holds MAX_OBJECT_PROPERTIES = 255
   properties (state.h), the scenario's `sid`, `kind` and the generated
   `id` included, and the 255th fails: error 302 when the scenario is sent.
9. Property names are compared by their 32-bit FNV-1a hash only (findAlpha,
   handleAlpha, getObjectProperty): two names with one hash are one
   property, and answers are wrong. `property_names` rules this out for our
   names; the check stays for any ruleset given here.

A shape outside what the rebuild models (another operator, a nested `$or`,
a value that is not a number or a string, ...) is reported as a problem,
never passed: the checks only vouch for what they understand.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from engine.errors import InputError
from engine.language import VarTest
from engine.matching.compile import Program
from engine.matching.network import (
    ENGINE_PROPERTIES,
    HASH_MASK,
    MAX_CHILDREN,
    MAX_GROUPS,
    MAX_OR_AT_NODE,
    MAX_PATTERNS_AT_NODE,
    MAX_POSITIVE_PATTERNS,
    NEXT_BUCKET_LENGTH,
    Excess,
    NotModelled,
    Typed,
    hash_excesses,
    network_of,
    table_excesses,
)
from engine.matching.rulesets import SENTINEL, Codes, ruleset, scenario_keys
from engine.matching.stack import MAX_STACK, Stack, StackPeak, stack_peak
from engine.memory import collector_paused

MAX_RULES = 4096
MAX_VARIABLES = 251

_VERDICTS: dict[int, tuple[Program, tuple[str, ...]]] = {}
"""The verdicts on the last few programs, by identity (each entry holds its program, so an id is not reused meanwhile)."""
_KEEP = 8
_LOCK = threading.Lock()


def check_ruleset(
    rules: Mapping[str, Any], *, message: Sequence[str] | None = None, domains: Mapping[str, Sequence[float]] | None = None
) -> list[Excess]:
    """Every way one ruleset (a rule name -> rule mapping, in registration order) goes past durable_rules' limits.

    `message`: the properties of the facts it will be sent, in the order
    they are sent (default: `sid`, `kind`, then every other property the
    rules test, sorted), for limits 4, 8 and 9. `domains`: every value a
    property can take, where known, for a tighter bound in limit 4.
    """
    found: list[Excess] = []
    if len(rules) > MAX_RULES:
        found.append(Excess(7, len(rules), MAX_RULES, f"{len(rules)} rules in one ruleset, durable_rules holds {MAX_RULES}"))
    try:
        network = network_of(rules)
    except NotModelled as reason:
        text = f"a shape these checks do not model ({reason}), so durable_rules is not trusted with it"
        return [*found, Excess(0, 0, 0, text)]
    if message is None:
        message = ["sid", "kind", *sorted(prop for prop in network.props if prop not in ("sid", "kind"))]
    found += network.excesses
    tables = table_excesses(network)
    found += tables
    found += hash_excesses(network, message)
    variables = len([prop for prop in dict.fromkeys(message) if prop not in ("sid", "kind", "name", *ENGINE_PROPERTIES)])
    if variables > MAX_VARIABLES:
        text = f"{variables} variables in the scenario, durable_rules holds {MAX_VARIABLES} in one fact"
        found.append(Excess(8, variables, MAX_VARIABLES, text))
    if not any(excess.limit == 1 for excess in tables):
        peak = Stack(network, message, domains or {}).peak()
        if peak is not None:
            text = f"tests pending at once for some scenario, durable_rules holds {MAX_STACK}"
            found.append(Excess(4, peak.count, MAX_STACK, f"{peak.count} {text}", peak.rules))
    return sorted(found, key=lambda excess: excess.limit)


def domains_of(program: Program, codes: Codes) -> dict[str, list[float]]:
    """Every code each variable's property can take: one per class of values its tests tell apart."""
    thresholds: dict[str, list[Any]] = {name: [] for name in program.kinds}
    for literal in program.literals():
        if isinstance(literal, VarTest):
            thresholds[literal.var].extend(literal.values)
    return {
        codes.property(name): sorted({codes.code(name, kind.rank(value)) for value in kind.representatives(thresholds[name])})
        for name, kind in program.kinds.items()
    }


def _involved(names: Sequence[str], shown: int = 3) -> str:
    ids = list(dict.fromkeys(name.split("#", 1)[0] for name in names if name != SENTINEL))
    if not ids:
        return ""
    more = ", …" if len(ids) > shown else ""
    return f" ({'rule' if len(ids) == 1 else 'rules'} {', '.join(ids[:shown])}{more})"


def program_problems(program: Program) -> list[str]:
    """`limit_problems` without the memory of verdicts: each stratum checked now (linear, without the collector: engine/memory.py)."""
    with collector_paused():
        return _program_problems(program)


def _program_problems(program: Program) -> list[str]:
    codes = Codes(program)
    message = ["sid", "kind", "name", *scenario_keys(program, codes)[1:]]
    domains = domains_of(program, codes)
    problems: list[str] = []
    if len(program.kinds) > MAX_VARIABLES:
        problems.append(f"the scenario: {len(program.kinds)} variables, durable_rules holds {MAX_VARIABLES} in one fact")
    for stratum in program.strata:
        for excess in check_ruleset(ruleset(stratum, program, codes), message=message, domains=domains):
            if excess.limit != 8:  # said once, above
                problems.append(f"stratum {stratum.index}: {excess.text}{_involved(excess.rules)}")
    return problems


def limit_problems(program: Program) -> list[str]:
    """Each way `program` goes past what durable_rules can run, one line each; empty when it fits.

    The verdict on a program is remembered (and the cache stores it with
    the program), so an engine and its matcher check once.
    """
    known = _VERDICTS.get(id(program))
    if known is not None and known[0] is program:
        return list(known[1])
    problems = program_problems(program)
    remember(program, problems)
    return problems


def remember(program: Program, problems: Sequence[str]) -> None:
    """Take `problems` as the verdict on `program` (from the cache, which stored what `limit_problems` found)."""
    with _LOCK:
        while len(_VERDICTS) >= _KEEP:
            del _VERDICTS[next(iter(_VERDICTS))]
        _VERDICTS[id(program)] = (program, tuple(problems))


def require_within_limits(program: Program) -> None:
    """Raise `InputError` with the first problem when `program` is beyond durable_rules' limits."""
    problems = limit_problems(program)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InputError(
            f"durable_rules cannot run this rule base: {problems[0]}{more}",
            suggestion="Engine.open and Engine.on run it on the compiled matcher, which gives the same answers",
        )


__all__ = [
    "ENGINE_PROPERTIES",
    "HASH_MASK",
    "MAX_CHILDREN",
    "MAX_GROUPS",
    "MAX_OR_AT_NODE",
    "MAX_PATTERNS_AT_NODE",
    "MAX_POSITIVE_PATTERNS",
    "MAX_RULES",
    "MAX_STACK",
    "MAX_VARIABLES",
    "NEXT_BUCKET_LENGTH",
    "Excess",
    "NotModelled",
    "StackPeak",
    "Typed",
    "check_ruleset",
    "domains_of",
    "limit_problems",
    "program_problems",
    "remember",
    "require_within_limits",
    "stack_peak",
]

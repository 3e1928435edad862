"""durable_rules' spelling of a program: its rulesets, the scenario fact and derived facts, as plain JSON data.

The one home of what the durable_rules matcher sends to the engine, kept
apart from `engine.matching.durable` (which registers and runs it) so that
`engine.matching.limits` can check exactly this data without importing
durable_rules. One ruleset per stratum:

    {"<rule>#<branch>": {"all": [{"scn": {"$and": [{"kind": "scenario"}, TEST, ...]}},
                                 {"f2": {"$and": [{"kind": "fact"}, {"name": "fact"}]}},
                                 {"n3$not": {"$and": [{"kind": "fact"}, {"name": "other"}]}}]},
     ...,
     "$sentinel": {"all": [{"scn": {"kind": "scenario"}}]}}

with TEST `{"v_x": 3}`, `{"$neq": {"v_x": 3}}`, `{"$gte": {"v_x": 3}}` (and
`$lte`, `$gt`, `$lt`), `{"$or": [{"v_x": 1}, ...]}` for `in` and
`{"$and": [{"$neq": {"v_x": 1}}, ...]}` for `not_in`. Every value is a small
whole number (`Codes`); every variable a property of the scenario fact whose
name no other property's hash can be mistaken for (`property_names`).
"""

from __future__ import annotations

import functools
import itertools
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import Any

from engine.language import Kind, Op, Value, VarTest
from engine.matching.compile import Branch, Program, Stratum

SCENARIO_ALIAS = "scn"
SENTINEL = "$sentinel"
VAR_PREFIX = "v_"
"""Variables sit in the engine's scenario fact under this prefix, so no name collides with `kind` or `sid`."""
RESERVED_PROPERTIES = ("sid", "id", "$s", "$forward", "kind", "name")
"""Property names the engine (`sid`, `id`, `$s`, `$forward`: events.c, state.c, rete.c) or our facts (`kind`, `name`) use."""

_OPERATORS = {Op.AT_LEAST: "$gte", Op.AT_MOST: "$lte", Op.ABOVE: "$gt", Op.BELOW: "$lt"}


@functools.cache
def fnv1a32(name: str) -> int:
    """The 32-bit FNV-1a hash of a property name's UTF-8 bytes: all durable_rules compares names by (fnv1Hash32, state.c)."""
    value = 0x811C9DC5
    for byte in name.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def property_names(variables: Iterable[str]) -> dict[str, str]:
    """Each variable's property name in the scenario fact, no two (nor any reserved name) with the same hash.

    durable_rules looks a property up by the 32-bit FNV-1a hash of its name
    and never compares the names themselves, so two names with one hash
    would be one property. A variable is `v_<name>`; in the rare case that
    its hash is taken (by a reserved name or by a variable earlier in sorted
    order), it is `v2_<name>`, `v3_<name>`, ... until the hash is free. The
    choice depends only on the set of variables. `v<n>_` names cannot equal
    a `v_` name, and equal names have equal hashes, so distinct hashes mean
    distinct names.
    """
    taken = {fnv1a32(name) for name in RESERVED_PROPERTIES}
    names: dict[str, str] = {}
    for variable in sorted(variables):
        for attempt in itertools.count(1):
            candidate = f"{VAR_PREFIX}{variable}" if attempt == 1 else f"v{attempt}_{variable}"
            digest = fnv1a32(candidate)
            if digest not in taken:
                break
        taken.add(digest)
        names[variable] = candidate
    return names


class Codes:
    """Each variable's property name, and its ranks as small whole numbers that compare as the ranks do.

    With the constants a rule base compares a variable with sorted as t0 <
    t1 < ..., a rank below t0 is 0, t0 itself 1, between t0 and t1 2, t1
    itself 3, and so on: `<`, `<=`, `=` and their kin give the same answers
    on the codes as on the ranks.
    """

    def __init__(self, program: Program) -> None:
        constants: dict[str, set[float]] = {}
        for literal in program.literals():
            if isinstance(literal, VarTest):
                kind = program.kinds[literal.var]
                constants.setdefault(literal.var, set()).update(kind.rank(value) for value in literal.values)
        self._constants = {name: sorted(found) for name, found in constants.items()}
        self._names = property_names(program.kinds)

    def code(self, name: str, rank: float) -> int:
        constants = self._constants.get(name, [])
        place = bisect_left(constants, rank)
        return 2 * place + (1 if place < len(constants) and constants[place] == rank else 0)

    def property(self, name: str) -> str:
        """The scenario fact's property for variable `name`."""
        return self._names[name]


def _test(literal: VarTest, kinds: Mapping[str, Kind], codes: Codes) -> dict[str, Any]:
    ranks = [codes.code(literal.var, kinds[literal.var].rank(value)) for value in literal.values]
    name = codes.property(literal.var)
    if literal.op is Op.IS:
        return {name: ranks[0]}
    if literal.op is Op.IS_NOT:
        return {"$neq": {name: ranks[0]}}
    if literal.op is Op.IN:
        return {"$or": [{name: rank} for rank in ranks]}
    if literal.op is Op.NOT_IN:
        return {"$and": [{"$neq": {name: rank}} for rank in ranks]}
    return {_OPERATORS[literal.op]: {name: ranks[0]}}


def _fact_pattern(fact: str) -> dict[str, Any]:
    return {"$and": [{"kind": "fact"}, {"name": fact}]}


def engine_rule(branch: Branch, kinds: Mapping[str, Kind], codes: Codes) -> dict[str, Any]:
    """The engine's JSON for one branch: every variable test inside the scenario pattern (flat joins)."""
    scenario_tests: list[dict[str, Any]] = [{"kind": "scenario"}]
    patterns: list[dict[str, Any]] = []
    for position, literal in enumerate(branch.literals):
        if isinstance(literal, VarTest):
            scenario_tests.append(_test(literal, kinds, codes))
        elif literal.positive:
            patterns.append({f"f{position}": _fact_pattern(literal.fact)})
        else:
            patterns.append({f"n{position}$not": _fact_pattern(literal.fact)})
    return {"all": [{SCENARIO_ALIAS: {"$and": scenario_tests}}, *patterns]}


def ruleset(stratum: Stratum, program: Program, codes: Codes | None = None) -> dict[str, dict[str, Any]]:
    """A stratum as the engine's ruleset, without actions, plus the sentinel rule."""
    codes = codes or Codes(program)
    rules = {name: engine_rule(branch, program.kinds, codes) for name, branch in stratum.branches.items()}
    rules[SENTINEL] = {"all": [{SCENARIO_ALIAS: {"kind": "scenario"}}]}
    return rules


def scenario_keys(program: Program, codes: Codes | None = None) -> list[str]:
    """The scenario fact's properties in the order it is sent (a complete scenario; `sid` goes first)."""
    codes = codes or Codes(program)
    return ["kind", *(codes.property(name) for name in sorted(program.kinds))]


def scenario_fact(program: Program, values: Mapping[str, Value], codes: Codes | None = None) -> dict[str, Any]:
    """The scenario as the one fact the engine sees: every value as its code, under its property name."""
    codes = codes or Codes(program)
    fact: dict[str, Any] = {"kind": "scenario"}
    fact.update({codes.property(name): codes.code(name, rank) for name, rank in program.encode(values).items()})
    return fact


def derived_fact(name: str) -> dict[str, Any]:
    """A derived fact as the engine sees it (the matcher adds the state's `sid`)."""
    return {"kind": "fact", "name": name}

"""durable_rules' limits: the checks find each one, the raw engine really fails past it, and forecast never does.

engine/matching/limits.py lists the nine limits and their causes in the C
code. For each one:

- the check (`check_ruleset`) accepts a ruleset just within it and flags
  one just beyond, with the count and the maximum;
- where it is affordable, the raw engine, in a fresh interpreter with a
  timeout, runs the ruleset just within and gives the right answers, and
  fails just beyond: it hangs, dies on a signal, raises, or answers wrongly;
- forecast does not meet it: `limit_problems` names it in a user's words,
  `DurableMatcher` refuses the program before registering anything, and
  `Engine.on` runs such a program on the compiled matcher with a notice.

Then: random rulesets and programs that the checks call safe run correctly
in the engine, even on the scenario that comes closest to the stack limit;
the verdict is computed once and stored in the cache; a 5,000-rule base is
checked and forecast end to end; and a 300-rule base within the limits gets
the same forecasts from durable_rules as from the compiled matcher.
"""

from __future__ import annotations

import functools
import json
import os
import pickle
import random
import re
import string
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from builders import rule, vocabulary
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import scenario_values, write_rule_base, write_scenario

from engine.errors import InputError
from engine.language import Value, VarTest
from engine.load import yamlfile
from engine.matching import durable, limits
from engine.matching.compile import Program, compile_rules
from engine.matching.compiled import CompiledMatcher
from engine.matching.durable import DurableMatcher
from engine.matching.limits import check_ruleset, domains_of, limit_problems
from engine.matching.network import Excess
from engine.matching.rulesets import SENTINEL, Codes, fnv1a32, property_names, ruleset, scenario_keys
from engine.matching.stack import MAX_STACK, StackPeak, stack_peak
from engine.pipeline import Engine, load_valid

ROOT = Path(__file__).resolve().parent.parent
PYTHON = [sys.executable, "-W", "error", "-W", "ignore:datetime.datetime.utcfromtimestamp:DeprecationWarning"]
HANG_SECONDS = 2.0  # the least time before a raw case is taken to hang (the same case within the limit takes ~0.2 s)


# --- rulesets in our backend's shape, by hand ----------------------------------------------


def engine_rule(*tests: dict[str, Any], facts: Sequence[str] = (), absent: Sequence[str] = ()) -> dict[str, Any]:
    """One rule as engine.matching.rulesets spells a branch: scenario tests, then fact patterns."""
    patterns: list[dict[str, Any]] = [{"scn": {"$and": [{"kind": "scenario"}, *tests]}}]
    patterns += [{f"f{index}": {"$and": [{"kind": "fact"}, {"name": fact}]}} for index, fact in enumerate(facts)]
    patterns += [{f"n{index}$not": {"$and": [{"kind": "fact"}, {"name": fact}]}} for index, fact in enumerate(absent)]
    return {"all": patterns}


def with_sentinel(rules: dict[str, Any]) -> dict[str, Any]:
    return {**rules, SENTINEL: {"all": [{"scn": {"kind": "scenario"}}]}}


def first_tests(count: int) -> dict[str, Any]:
    """Limit 1: `count` distinct first tests under `kind == scenario`."""
    return with_sentinel({f"r{index:04d}": engine_rule({"v_a": index}) for index in range(count)})


def same_tests(count: int) -> dict[str, Any]:
    """Limit 2: `count` patterns ending at `v_a == 1`, and one rule whose test is false for v_a = 1."""
    return with_sentinel({**{f"r{index:04d}": engine_rule({"v_a": 1}) for index in range(count)}, "other": engine_rule({"v_a": 5})})


def shared_alternative(count: int) -> dict[str, Any]:
    """Limit 3: `count` `$or`s (our `in`) that all have `v_a == 1` as an alternative."""
    return with_sentinel({f"r{index:04d}": engine_rule({"$or": [{"v_a": 1}, {"v_a": 1000 + index}]}) for index in range(count)})


def pending(count: int) -> dict[str, Any]:
    """Limit 4: `count` first tests `v_a != i`, all pending at once for v_a = -1."""
    return with_sentinel({f"r{index:04d}": engine_rule({"$neq": {"v_a": index}}) for index in range(count)})


def groups(count: int) -> dict[str, Any]:
    """Limit 5: one pattern of `count` and/or groups: its own `$and` and `count - 1` `in` tests."""
    tests = [{"$or": [{f"v_{index}": 1}, {f"v_{index}": 2}]} for index in range(count - 1)]
    return with_sentinel({"big": engine_rule(*tests), "small": engine_rule({"v_0": 1})})


def patterns(count: int) -> dict[str, Any]:
    """Limit 6: one rule of `count` positive patterns: the scenario and `count - 1` facts."""
    return with_sentinel({"big": engine_rule({"v_a": 1}, facts=[f"x{index}" for index in range(count - 1)])})


def many_rules(count: int) -> dict[str, Any]:
    """Limit 7: `count` rules with the sentinel, spread so that no other limit is near (64 x 64 test pairs)."""
    return with_sentinel({f"r{index:04d}": engine_rule({"v_a": index // 64}, {"v_b": index % 64}) for index in range(count - 1)})


def scenario_message(count: int) -> list[str]:
    """Limit 8: a scenario fact of `count` variables."""
    return ["sid", "kind", *(f"v_{index:03d}" for index in range(count))]


@functools.cache
def colliding_names() -> tuple[str, str]:
    """Two variable names whose property names (`v_` + name) have the same 32-bit FNV-1a hash.

    FNV-1a multiplies by an odd number after each byte, so two strings with
    states that differ only in the low byte collide once each gets one more
    byte whose XOR cancels that difference: a birthday search on 24 bits.
    """
    allowed = [ord(char) for char in string.ascii_lowercase + string.digits + "_"]
    cancels = {first ^ second: (first, second) for first in allowed for second in allowed}
    hash32 = fnv1a32.__wrapped__  # not through its cache: the search hashes tens of thousands of names
    seen: dict[int, str] = {}
    for index in range(1_000_000):
        name = f"x{index}"
        state = hash32("v_" + name)
        other = seen.setdefault(state >> 8, name)
        difference = (state ^ hash32("v_" + other)) & 0xFF
        if other != name and difference in cancels:
            first, second = cancels[difference]
            return other + chr(first), name + chr(second)
    raise AssertionError("no collision found")


def colliding(names: tuple[str, str]) -> dict[str, Any]:
    """Limit 9: two rules on two properties, true together for the scenario (1, 2)."""
    return with_sentinel({"a": engine_rule({f"v_{names[0]}": 1}), "b": engine_rule({f"v_{names[1]}": 2})})


# (limit, ruleset of a count, the largest count durable_rules holds)
TABLES: list[tuple[int, Callable[[int], dict[str, Any]], int]] = [
    (1, first_tests, 511),
    (2, same_tests, 255),
    (3, shared_alternative, 127),
    (4, pending, 64),
    (5, groups, 15),
    (6, patterns, 16),
    (7, many_rules, 4096),
]


def limits_of(found: Sequence[Excess]) -> set[int]:
    return {excess.limit for excess in found}


# --- the 5,000-rule base, run in the background ------------------------------------------------------------


class ScaleRun:
    """`python -m engine ARGS` in a directory, started now, its output going to files there (no pipe to fill)."""

    def __init__(self, directory: Path, label: str, *args: str) -> None:
        env = {**os.environ, "FORECAST_CACHE_DIR": str(directory / "cache"), "PYTHONPATH": str(ROOT)}
        self.args = [sys.executable, "-m", "engine", *args]
        self.outputs = (directory / f"{label}.stdout", directory / f"{label}.stderr")
        with self.outputs[0].open("wb") as stdout, self.outputs[1].open("wb") as stderr:
            self.process = subprocess.Popen(self.args, cwd=directory, env=env, stdout=stdout, stderr=stderr)

    def result(self, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        """Its exit code and output, once it has finished (at most `timeout` s from now)."""
        self.process.wait(timeout)
        stdout, stderr = (path.read_text(encoding="utf-8") for path in self.outputs)
        return subprocess.CompletedProcess(self.args, self.process.returncode, stdout, stderr)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


@pytest.fixture(scope="module", autouse=True)
def scale_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ScaleRun]]:
    """`forecast check` and a forecast of a generated 5,000-rule base, started with this module's first test.

    Each takes seconds; they run beside this module's other tests, which
    leave a core free most of the time, and the scale test collects them.
    """
    directory = tmp_path_factory.mktemp("scale")
    write_rule_base(directory, 5000, seed=0)
    write_scenario(directory, "s1", seed=1)
    runs = {"check": ScaleRun(directory, "check", "check"), "forecast": ScaleRun(directory, "forecast", "scenarios/s1.yaml")}
    yield runs
    for run in runs.values():
        run.stop()


# --- 1-9: the check accepts just within and flags just beyond ------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(("limit", "make", "maximum"), TABLES, ids=[f"limit {limit}" for limit, _, _ in TABLES])
def test_the_check_accepts_just_within_and_flags_just_beyond(limit: int, make: Callable[[int], dict[str, Any]], maximum: int) -> None:
    within = check_ruleset(make(maximum))
    beyond = [excess for excess in check_ruleset(make(maximum + 1)) if excess.limit == limit]
    if limit == 3:  # 127 `$or`s on one alternative push 127 nodes when it matches: limit 4 comes first
        assert limits_of(within) == {4}
    else:
        assert within == []
    assert [(excess.count, excess.maximum) for excess in beyond] == [(maximum + 1, maximum)]
    assert f"{maximum + 1} " in beyond[0].text and f"durable_rules holds {maximum}" in beyond[0].text


def test_limit_1_the_513th_test_is_counted_too() -> None:
    """findAlpha hangs at registration on the 513th: the check keeps counting past the table it can no longer model."""
    (excess,) = check_ruleset(first_tests(600))
    assert (excess.limit, excess.count) == (1, 600)
    assert excess.rules[:3] == ("r0000", "r0001", "r0002") and len(excess.rules) == 600


def test_limit_1_applies_under_every_test_not_only_the_first() -> None:
    deeper = with_sentinel({f"r{index:04d}": engine_rule({"v_b": 0}, {"v_a": index}) for index in range(512)})
    (excess,) = check_ruleset(deeper)
    assert (excess.limit, excess.count) == (1, 512) and "right after one test (v_b = 0)" in excess.text


def test_limit_2_counts_rules_without_a_variable_test_with_the_sentinel() -> None:
    bare = {f"r{index:04d}": engine_rule() for index in range(255)}
    assert check_ruleset(bare) == []
    (excess,) = check_ruleset(with_sentinel(bare))
    assert (excess.limit, excess.count) == (2, 256) and "sentinel included" in excess.text


def test_limit_2_counts_the_rules_reading_one_fact() -> None:
    readers = with_sentinel(
        {
            f"r{index:04d}": engine_rule({"v_a": index % 50}, facts=["x"] if index % 2 else [], absent=[] if index % 2 else ["x"])
            for index in range(256)
        }
    )
    (excess,) = check_ruleset(readers)
    assert (excess.limit, excess.count) == (2, 256) and "patterns read the fact x" in excess.text


def test_limit_4_follows_the_push_order_of_the_message() -> None:
    """handleAlpha pushes property by property in message order: what is pushed after the path's child is popped first.

    At `v_a == 1`, 40 rules go on with `v_b != i` and 40 other first tests
    on `v_c` are pushed with it. Sent as (v_a, v_b, v_c), the 40 `v_c` tests
    are pushed after `v_a == 1` and popped before it: at most 41 pending.
    Sent as (v_c, v_b, v_a) they sit under it while its 40 children are
    pushed: 80.
    """
    rules = {f"b{index:02d}": engine_rule({"v_a": 1}, {"$neq": {"v_b": index}}) for index in range(40)}
    rules |= {f"c{index:02d}": engine_rule({"$neq": {"v_c": index}}) for index in range(40)}
    rules = with_sentinel(rules)
    assert stack_peak(rules, ["sid", "kind", "v_a", "v_b", "v_c"]) is None
    assert stack_peak(rules, ["sid", "kind", "v_a", "v_b", "v_c"], limit=40) is not None
    peak = stack_peak(rules, ["sid", "kind", "v_c", "v_b", "v_a"])
    assert peak is not None and peak.count == 80
    assert peak.message["v_a"] == 1 and peak.message["v_b"] not in range(40) and peak.message["v_c"] not in range(40)


def test_limit_4_uses_what_a_property_can_take() -> None:
    """65 tests `v_a != i`: past the limit for a value none of them names, within it when v_a can only be 0 to 64."""
    assert limits_of(check_ruleset(pending(65))) == {4}
    assert check_ruleset(pending(65), domains={"v_a": range(65)}) == []


def test_limit_8_counts_the_scenario_facts_variables() -> None:
    rules = with_sentinel({"r": engine_rule({"v_000": 1})})
    assert check_ruleset(rules, message=scenario_message(251)) == []
    (excess,) = check_ruleset(rules, message=scenario_message(252))
    assert (excess.limit, excess.count, excess.maximum) == (8, 252, 251)


def test_limit_9_names_with_one_hash() -> None:
    names = colliding_names()
    assert names[0] != names[1] and fnv1a32("v_" + names[0]) == fnv1a32("v_" + names[1])
    assert check_ruleset(colliding(("p", "q"))) == []
    (excess,) = check_ruleset(colliding(names))
    assert excess.limit == 9 and f"v_{names[0]}" in excess.text and f"v_{names[1]}" in excess.text and set(excess.rules) == {"a", "b"}


@pytest.mark.parametrize(
    ("rules", "reason"),
    [
        ({"r": engine_rule({"$ex": {"v_a": 1}})}, "the operator $ex"),
        ({"r": engine_rule({"$or": [{"$and": [{"v_a": 1}, {"v_b": 2}]}, {"v_a": 3}]})}, "$and inside $or"),
        ({"r": engine_rule({"v_a": [1, 2]})}, "not a number or a string"),
        ({"r": engine_rule({"v_a": {"$m": "x"}})}, "not a number or a string"),
        ({"r": engine_rule({"v_a": 2**64})}, "64-bit"),
        ({"r": {"any": [{"scn": {"kind": "scenario"}}]}}, "only a non-empty 'all'"),
        ({"r": {"all": [{"n1$not": {"kind": "fact"}}]}}, "the pattern n1$not"),
        ({"r": {"all": [{"scn$all": {"kind": "scenario"}}]}}, "the pattern scn$all"),
    ],
    ids=["operator", "nested", "array", "reference", "big", "any", "negation first", "nested all"],
)
def test_a_shape_the_checks_do_not_model_is_a_problem(rules: dict[str, Any], reason: str) -> None:
    (excess,) = check_ruleset(with_sentinel(rules))
    assert excess.limit == 0 and reason in excess.text and "not trusted" in excess.text


# --- the raw engine, just within and just beyond -------------------------------------------------------

RAW = """
    import json, sys
    from durable import engine

    class Quiet(engine.Host):
        def _run(self):
            pass

    def action(fired, name):
        return lambda c: fired.append(name)  # one parameter: with two, durable_rules runs it asynchronously

    host = Quiet()
    answers = []
    for index, case in enumerate(json.load(sys.stdin)):
        fired = []
        rules = case["rules"]
        for name, rule in rules.items():
            rule["run"] = action(fired, name)
        host.register_rulesets({f"raw{index}": rules})
        try:
            for fact in case["facts"]:
                host.assert_fact(f"raw{index}", {"sid": "1", "kind": "fact", "name": fact})
            host.assert_fact(f"raw{index}", {"sid": "1", **case["scenario"]})
        finally:
            host.delete_state(f"raw{index}", "1")  # as our backend does
        answers.append(sorted(fired))
    print(json.dumps(answers))
"""


def holds(test: Mapping[str, Any], fact: Mapping[str, Any]) -> bool:
    """What one test of our shape means, on one fact."""
    ((name, body),) = test.items()
    if name == "$and":
        return all(holds(item, fact) for item in body)
    if name == "$or":
        return any(holds(item, fact) for item in body)
    if name.startswith("$"):
        ((prop, value),) = body.items()
        if prop not in fact:
            return False
        compare = {"$neq": fact[prop] != value, "$lt": fact[prop] < value, "$lte": fact[prop] <= value}
        compare |= {"$gt": fact[prop] > value, "$gte": fact[prop] >= value}
        return compare[name]
    return name in fact and fact[name] == body


def expected(rules: Mapping[str, Any], scenario: Mapping[str, Any], facts: Sequence[str]) -> list[str]:
    """The rules that fire: every positive pattern matched by the scenario or a fact, no `$not` one."""
    messages = [dict(scenario), *({"kind": "fact", "name": fact} for fact in facts)]
    fired = []
    for name, written in rules.items():
        matched = []
        for pattern in written["all"]:
            ((alias, test),) = pattern.items()
            matched.append(any(holds(test, message) for message in messages) != alias.endswith("$not"))
        if all(matched):
            fired.append(name)
    return sorted(fired)


class RawRun:
    """Raw cases running in a fresh interpreter, from the moment this is made (their JSON comes from a file: nothing waits on a pipe)."""

    def __init__(self, cases: list[dict[str, Any]]) -> None:
        self.cases = cases
        with tempfile.TemporaryFile() as given:
            given.write(json.dumps(cases).encode())
            given.seek(0)
            self.started = time.monotonic()
            self.process = subprocess.Popen(
                [*PYTHON, "-c", textwrap.dedent(RAW)], stdin=given, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )

    def outcome(self, deadline: float) -> str:
        """ "right", "wrong" (answers), "error" (it raised), "crash" (a signal), or "hang": not done `deadline` s after the start."""
        try:
            stdout, stderr = self.process.communicate(timeout=max(0.0, self.started + deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            return "hang"
        if self.process.returncode < 0 or self.process.returncode >= 128:
            return "crash"
        if self.process.returncode != 0:
            assert b"Traceback" in stderr, stderr
            return "error"
        right = [expected(case["rules"], case["scenario"], case["facts"]) for case in self.cases]
        return "right" if json.loads(stdout) == right else "wrong"


def raw_outcome(cases: list[dict[str, Any]], deadline: float = 120) -> str:
    return RawRun(cases).outcome(deadline)


def raw_case(rules: dict[str, Any], scenario: dict[str, Any], facts: Sequence[str] = ()) -> dict[str, Any]:
    return {"rules": rules, "scenario": {"kind": "scenario", **scenario}, "facts": list(facts)}


def many_variables(count: int) -> dict[str, Any]:
    return raw_case(with_sentinel({"r": engine_rule({"v_000": 1})}), dict.fromkeys(scenario_message(count)[2:], 1))


@functools.cache
def raw_cases() -> dict[int, tuple[dict[str, Any] | None, dict[str, Any], set[str]]]:
    """Limit -> the case just within it (if one can run), the case just beyond, and how the engine may fail there."""
    names = colliding_names()
    ors = {f"v_{index}": 1 for index in range(15)}
    return {
        1: (raw_case(first_tests(511), {"v_a": 3}), raw_case(first_tests(512), {"v_a": 3}), {"hang"}),
        2: (raw_case(same_tests(255), {"v_a": 1}), raw_case(same_tests(256), {"v_a": 1}), {"wrong", "crash", "error"}),
        # 128 leave the list unterminated, and more than 64 overflow the stack when their value matches: 129 is refused.
        3: (None, raw_case(shared_alternative(129), {"v_a": 2}), {"error", "crash"}),
        # 65 pending tests write past a fixed array: undefined behaviour, an abort on 3.11 and 3.12, an error raised on 3.13.
        4: (raw_case(pending(64), {"v_a": -1}), raw_case(pending(65), {"v_a": -1}), {"crash", "error"}),
        5: (raw_case(groups(15), ors), raw_case(groups(16), ors), {"error"}),
        6: (
            raw_case(patterns(16), {"v_a": 1}, [f"x{index}" for index in range(15)]),
            raw_case(patterns(17), {"v_a": 1}, [f"x{index}" for index in range(16)]),
            {"crash", "error"},  # written past a fixed array, as limit 4: an abort on 3.11 and 3.12, an error raised on 3.13
        ),
        7: (raw_case(many_rules(4096), {"v_a": 3, "v_b": 5}), raw_case(many_rules(4097), {"v_a": 3, "v_b": 5}), {"error"}),
        8: (many_variables(251), many_variables(252), {"error", "crash"}),
        9: (
            raw_case(colliding(("p", "q")), {"v_p": 1, "v_q": 2}),
            raw_case(colliding(names), {f"v_{names[0]}": 1, f"v_{names[1]}": 2}),
            {"wrong"},
        ),
    }


@pytest.fixture(scope="module")
def raw_outcomes() -> dict[int, tuple[str | None, str]]:
    """Every raw case at once: the cases within the limits in one interpreter, each case beyond in its own.

    A case that hangs never ends: it is taken to hang when it is still
    running well after the cases within the limits, on the same machine at
    the same time, have all finished (and at least `HANG_SECONDS` after it began).
    """
    cases = raw_cases()
    beyond = {limit: RawRun([case]) for limit, (_, case, _) in cases.items()}
    within = RawRun([case for case, _, _ in cases.values() if case is not None])
    together = within.outcome(120)
    patience = max(HANG_SECONDS, 3 * (time.monotonic() - within.started))
    outcomes = {limit: run.outcome(patience if limit == 1 else 120) for limit, run in beyond.items()}
    return {limit: (together if cases[limit][0] is not None else None, outcome) for limit, outcome in outcomes.items()}


@pytest.mark.slow
@pytest.mark.parametrize("limit", range(1, 10), ids=[f"limit {limit}" for limit in range(1, 10)])
def test_raw_engine_runs_just_within_and_fails_just_beyond(raw_outcomes: dict[int, tuple[str | None, str]], limit: int) -> None:
    """Trap: past a limit durable_rules hangs uninterruptibly, dies, raises or answers wrongly; just within it is right."""
    within, beyond = raw_outcomes[limit]
    assert within in (None, "right")
    assert beyond in raw_cases()[limit][2]


@pytest.mark.slow
def test_the_checks_agree_with_the_raw_cases() -> None:
    """What the raw tests ran within the limits the check accepts, and what failed beyond them it flags."""
    for limit, (within, beyond, _) in raw_cases().items():
        assert limit in limits_of(check_ruleset(beyond["rules"], message=["sid", *beyond["scenario"]])), limit
        if within is not None:
            assert check_ruleset(within["rules"], message=["sid", *within["scenario"]]) == [], limit


# --- forecast never meets them ---------------------------------------------------------------------------

VOCABULARY = {
    "variables": {
        "n": {"type": "number", "unit": "u", "min": 0, "max": 5000, "meaning": "n"},
        "a": {"type": "number", "unit": "u", "min": 0, "max": 63, "meaning": "a"},
        "b": {"type": "number", "unit": "u", "min": 0, "max": 63, "meaning": "b"},
        "flag": {"type": "boolean", "meaning": "a flag"},
        **{f"l{index:02d}": {"type": "level", "levels": ["low", "mid", "high"], "meaning": "l"} for index in range(16)},
    },
    "facts": {f"x{index:02d}": {"meaning": "x"} for index in range(16)},
    "questions": {"q": {"text": "q?", "outcomes": ["no", "yes"]}},
}
YES = {"question": "q", "is": "yes"}


def program(rules: Sequence[tuple[str, dict[str, Any] | None, dict[str, Any]]], written: Mapping[str, Any] = VOCABULARY) -> Program:
    return compile_rules(tuple(rule(rule_id, when, then) for rule_id, when, then in rules), vocabulary(dict(written)))


@functools.cache
def program_beyond(limit: int, count: int) -> Program:
    """A rule base whose stratum 0 has `count` of what limit `limit` counts."""
    if limit == 1:
        return program([(f"t.r{index:04d}", {"var": "n", "is": index}, YES) for index in range(count)])
    if limit == 2:
        return program([(f"t.r{index:04d}", {"var": "flag", "is": True}, YES) for index in range(count)])
    if limit == 3:
        return program([(f"t.r{index:04d}", {"var": "n", "in": [0, 1000 + index]}, YES) for index in range(count)])
    if limit == 4:
        return program([(f"t.r{index:04d}", {"var": "n", "is_not": index}, YES) for index in range(count)])
    if limit == 5:  # the pattern's own group and one per `in`
        return program([("t.big", {"all": [{"var": f"l{index:02d}", "in": ["low", "mid"]} for index in range(count - 1)]}, YES)])
    if limit == 6:  # the scenario and one pattern per fact
        facts = [f"x{index:02d}" for index in range(count - 1)]
        makers = [(f"t.make_{fact}", {"var": "flag", "is": True}, {"fact": fact}) for fact in facts]
        return program([*makers, ("t.big", {"all": [{"var": "flag", "is": True}, *({"fact": fact} for fact in facts)]}, YES)])
    if limit == 7:  # branches and the sentinel
        return program(
            [
                (f"t.r{index:04d}", {"all": [{"var": "a", "is": index // 64}, {"var": "b", "is": index % 64}]}, YES)
                for index in range(count - 1)
            ]
        )
    assert limit == 8
    variables = {f"v{index:03d}": {"type": "boolean", "meaning": "v"} for index in range(count)}
    return program([("t.r", {"var": "v000", "is": True}, YES)], {"variables": variables, "questions": VOCABULARY["questions"]})


PROGRAM_LIMITS = [(1, 511), (2, 255), (4, 64), (5, 15), (6, 16), (7, 4096), (8, 251)]


@pytest.mark.slow
@pytest.mark.parametrize(("limit", "maximum"), PROGRAM_LIMITS, ids=[f"limit {limit}" for limit, _ in PROGRAM_LIMITS])
def test_limit_problems_names_the_stratum_the_limit_the_counts_and_the_rules(limit: int, maximum: int) -> None:
    assert limit_problems(program_beyond(limit, maximum)) == []
    problems = limit_problems(program_beyond(limit, maximum + 1))
    assert len(problems) == 1
    (problem,) = problems
    assert "\n" not in problem
    assert f": {maximum + 1} " in problem and f"durable_rules holds {maximum}" in problem
    if limit == 8:
        assert problem.startswith("the scenario: ")
    else:
        assert problem.startswith("stratum 0: ")
    if limit == 1:
        assert problem.endswith("(rules t.r0000, t.r0001, t.r0002, …)")
    if limit in (5, 6):
        assert problem.endswith("(rule t.big)")


def test_limit_3_in_a_program() -> None:
    """Each `in` is its own `$or`: 128 on one value are over limit 3 (and limit 4, when that value is the scenario's)."""
    assert not any("in tests share" in problem for problem in limit_problems(program_beyond(3, 127)))
    assert any("128 in tests share one test (v_n = 1) as an alternative" in problem for problem in limit_problems(program_beyond(3, 128)))


def test_limit_4_in_a_program_counts_only_values_a_scenario_can_take() -> None:
    """65 rules `n is_not i` on 0..64: past the stack for n above 64; within it when n is at most 64 (some test is then false)."""
    narrow = {
        **VOCABULARY,
        "variables": {**VOCABULARY["variables"], "n": {"type": "number", "unit": "u", "min": 0, "max": 64, "meaning": "n"}},
    }
    rules = [(f"t.r{index:04d}", {"var": "n", "is_not": index}, YES) for index in range(65)]
    assert limit_problems(program(rules, narrow)) == []
    assert len(limit_problems(program(rules))) == 1


def test_limit_9_cannot_happen_to_our_property_names() -> None:
    """Variables whose `v_` names share a hash get names that do not, and the engine tells them apart."""
    first, second = colliding_names()
    written = {
        "variables": {name: {"type": "number", "unit": "u", "min": 0, "max": 5, "meaning": name} for name in (first, second)},
        "questions": VOCABULARY["questions"],
    }
    made = program([("t.a", {"var": first, "is": 1}, YES), ("t.b", {"var": second, "is": 2}, {"question": "q", "is": "no"})], written)
    names = property_names(made.kinds)
    earlier, later = sorted((first, second))
    assert names[earlier] == f"v_{earlier}" and names[later] == f"v2_{later}"
    assert len({fnv1a32(name) for name in [*names.values(), "sid", "id", "$s", "$forward", "kind", "name"]}) == 8
    assert limit_problems(made) == []
    scenarios: list[Mapping[str, Value]] = [{first: 1, second: 2}, {first: 2, second: 1}, {first: 1, second: 1}]
    assert evaluate_durable([(made, scenarios)]) == [[CompiledMatcher(made).run(values) for values in scenarios]]


def test_property_names_are_prefixed_and_deterministic() -> None:
    assert property_names(["kind", "sid", "b", "a"]) == {"a": "v_a", "b": "v_b", "kind": "v_kind", "sid": "v_sid"}
    first, second = colliding_names()
    assert property_names([second, first]) == property_names([first, second])


@pytest.mark.slow
@pytest.mark.parametrize(("limit", "maximum"), PROGRAM_LIMITS, ids=[f"limit {limit}" for limit, _ in PROGRAM_LIMITS])
def test_durable_matcher_refuses_a_program_beyond_and_registers_nothing(limit: int, maximum: int) -> None:
    beyond = program_beyond(limit, maximum + 1)
    registered = dict(durable._REGISTERED)
    with pytest.raises(InputError) as refused:
        DurableMatcher(beyond)
    assert str(refused.value).startswith(f"durable_rules cannot run this rule base: {limit_problems(beyond)[0]}")
    assert "compiled matcher" in str(refused.value)
    assert registered == durable._REGISTERED


EVALUATE = """
    import pickle, sys
    from engine.matching.durable import DurableMatcher
    work = pickle.load(sys.stdin.buffer)
    sys.stdout.buffer.write(pickle.dumps([[DurableMatcher(program).run(values) for values in scenarios] for program, scenarios in work]))
"""


def evaluate_durable(work: list[tuple[Program, Sequence[Mapping[str, Value]]]]) -> list[list[Any]]:
    """Each program's firings for its scenarios, from DurableMatcher in a fresh interpreter (a crash fails the test)."""
    result = subprocess.run(
        [*PYTHON, "-c", textwrap.dedent(EVALUATE)], input=pickle.dumps(work), capture_output=True, cwd=ROOT, timeout=120, check=False
    )
    assert result.returncode == 0, f"DurableMatcher died with {result.returncode}: {result.stderr.decode(errors='replace')[-2000:]}"
    answers: list[list[Any]] = pickle.loads(result.stdout)
    return answers


@pytest.mark.slow
def test_programs_just_within_run_on_durable_rules_with_the_compiled_answers() -> None:
    """Every program just within a limit runs on durable_rules, on its most demanding scenarios, as the compiled matcher does."""
    work: list[tuple[Program, Sequence[Mapping[str, Value]]]] = []
    for limit, maximum in PROGRAM_LIMITS:
        within = program_beyond(limit, maximum)
        assert limit_problems(within) == [], limit
        variables = sorted(within.kinds)
        demanding = {
            name: {"n": 4000, "a": 3, "b": 5, "flag": True}.get(name, "low" if name.startswith("l") else True) for name in variables
        }
        other = {name: {"n": 3, "a": 0, "b": 0, "flag": False}.get(name, "high" if name.startswith("l") else False) for name in variables}
        work.append((within, [demanding, other]))
    answers = evaluate_durable(work)
    assert answers == [[CompiledMatcher(made).run(values) for values in scenarios] for made, scenarios in work]
    assert all(any(per_scenario) for per_scenario in answers)  # each fires something on one of its scenarios


def test_engine_on_runs_a_program_beyond_on_the_compiled_matcher_with_a_notice(
    monkeypatch: pytest.MonkeyPatch, shipped_engine: Engine
) -> None:
    """The notice is one line: the first problem, how many more, and what runs instead."""
    monkeypatch.setattr(limits, "program_problems", lambda made: ["stratum 0: first problem", "stratum 1: second problem"])
    made = compile_rules(shipped_engine.rule_base.rules, shipped_engine.vocabulary)  # a new program: not yet judged
    engine = Engine.on(shipped_engine.rule_base, made)
    assert isinstance(engine.matcher, CompiledMatcher)
    assert engine.notices == ("stratum 0: first problem (and 1 more); it runs on the compiled matcher, which gives the same answers",)
    assert Engine.on(shipped_engine.rule_base, made, "compiled").notices == ()
    within = compile_rules(shipped_engine.rule_base.rules, shipped_engine.vocabulary)
    monkeypatch.setattr(limits, "program_problems", lambda made: [])
    assert isinstance(Engine.on(shipped_engine.rule_base, within).matcher, DurableMatcher)


def test_the_verdict_is_computed_once_and_kept_in_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening computes it (for the cache entry); the engine and its matcher reuse it; a cache hit reads it."""
    monkeypatch.setenv("FORECAST_CACHE_DIR", str(tmp_path / "cache"))
    calls: list[int] = []
    check = limits.program_problems
    monkeypatch.setattr(limits, "program_problems", lambda made: calls.append(1) or check(made))
    first = Engine.open(ROOT / "rules")
    assert calls == [1] and isinstance(first.matcher, DurableMatcher)
    monkeypatch.setattr(limits, "_VERDICTS", {})
    monkeypatch.setattr(limits, "program_problems", lambda made: pytest.fail("a cache hit checked the program again"))
    second = Engine.open(ROOT / "rules")
    assert second.program == first.program and isinstance(second.matcher, DurableMatcher)


# --- random rulesets and programs: "safe" means the engine runs them right --------------------------------

OPS = ("=", "$neq", "$lt", "$lte", "$gt", "$gte", "in", "not_in")


MIXES = (OPS, ("$neq", "$gte", "$lte", "="), ("$neq", "="), ("$gte", "$lt", "=", "in"))


def random_ruleset(rng: random.Random) -> dict[str, Any]:
    """40 to 160 rules of 1 to 3 tests over 2 to 5 variables and two facts: with the mixes of tests drawn, many near the stack limit."""
    variables = [f"v_{index}" for index in range(rng.randint(2, 5))]
    ops = rng.choice(MIXES)
    rules: dict[str, Any] = {}
    for index in range(rng.randint(40, 160)):
        tests = []
        for _ in range(rng.randint(1, 3)):
            var, op = rng.choice(variables), rng.choice(ops)
            values = rng.sample(range(30), rng.randint(1, 3))
            if op == "in":
                tests.append({"$or": [{var: value} for value in values]})
            elif op == "not_in":
                tests.append({"$and": [{"$neq": {var: value}} for value in values]})
            else:
                tests.append({var: values[0]} if op == "=" else {op: {var: values[0]}})
        present = rng.sample(["x", "y"], rng.choice([0, 0, 1]))
        absent = rng.sample([fact for fact in ("x", "y") if fact not in present], rng.choice([0, 0, 1]))
        rules[f"r{index:03d}"] = engine_rule(*tests, facts=present, absent=absent)
    return with_sentinel(rules)


def closest_to_the_limit(rules: dict[str, Any], message: Sequence[str], domains: Mapping[str, Sequence[float]] | None = None) -> StackPeak:
    """The message that makes handleAlpha hold the most nodes (no more than the limit, for a safe ruleset)."""
    low, high = 0, MAX_STACK  # a message exceeds `low`, none exceeds `high`
    best = stack_peak(rules, message, domains, limit=0)
    assert best is not None
    while high - low > 1:
        middle = (low + high) // 2
        found = stack_peak(rules, message, domains, limit=middle)
        low, high, best = (middle, high, found) if found is not None else (low, middle, best)
    return best


@pytest.mark.slow
@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_rulesets_the_check_calls_safe_run_right_in_the_raw_engine(seed: int) -> None:
    """Each safe ruleset runs on its own most demanding scenario and random ones, with the facts it reads present or not."""
    rng = random.Random(seed)
    cases = []
    for rules in (random_ruleset(rng) for _ in range(12)):
        if check_ruleset(rules):
            continue
        variables = sorted(set(re.findall(r'"(v_\d)"', json.dumps(rules))))
        message = ["sid", "kind", "name", *variables]
        worst = closest_to_the_limit(rules, message)
        assert worst.count <= MAX_STACK
        demanding = {var: worst.message.get(var, 0) for var in variables}
        read = sorted(set(re.findall(r'"name": "(\w+)"', json.dumps(rules))))  # a fact no rule reads is never sent (a trap)
        for scenario in [demanding, *({var: rng.randint(-1, 13) for var in variables} for _ in range(2))]:
            cases.append(raw_case(rules, scenario, rng.sample(read, rng.randint(0, len(read)))))
    if cases:
        assert raw_outcome(cases) == "right"


def random_program(rng: random.Random) -> Program:
    """40 to 160 one-test rules over two numbers and a level: many near the stack limit."""
    ops = ("is", "is_not", "at_least", "at_most", "above", "below", "in", "not_in")
    rules = []
    for index in range(rng.randint(40, 160)):
        name, op = rng.choice(["a", "b", "l00"]), rng.choice(ops)
        values = rng.sample(["low", "mid", "high"] if name == "l00" else range(40), rng.randint(1, 2))
        rules.append((f"t.r{index:03d}", {"var": name, op: values if op in ("in", "not_in") else values[0]}, YES))
    return program(rules)


def demanding_values(made: Program, peak: StackPeak) -> dict[str, Value]:
    """The scenario whose codes are the peak's message: a representative value of each code."""
    codes = Codes(made)
    values: dict[str, Value] = {}
    thresholds: dict[str, list[Any]] = {name: [] for name in made.kinds}
    for literal in made.literals():
        if isinstance(literal, VarTest):
            thresholds[literal.var].extend(literal.values)
    for name, kind in made.kinds.items():
        choices = kind.representatives(thresholds[name])
        wanted = peak.message.get(codes.property(name))
        values[name] = next((value for value in choices if codes.code(name, kind.rank(value)) == wanted), choices[0])
    return values


@pytest.mark.slow
@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_random_programs_within_the_limits_run_on_durable_rules_on_their_most_demanding_scenario(seed: int) -> None:
    """The bound counts only codes a scenario can take: safe programs must survive the scenario that comes closest."""
    rng = random.Random(seed)
    work: list[tuple[Program, Sequence[Mapping[str, Value]]]] = []
    for made in (random_program(rng) for _ in range(8)):
        if limit_problems(made):
            continue
        codes = Codes(made)
        message = ["sid", "kind", "name", *scenario_keys(made, codes)[1:]]
        (stratum,) = made.strata
        worst = closest_to_the_limit(ruleset(stratum, made, codes), message, domains_of(made, codes))
        base = {name: {"a": 0, "b": 0, "l00": "low"}.get(name, False) for name in made.kinds}
        work.append((made, [{**base, **demanding_values(made, worst)}]))
    if work:
        assert evaluate_durable(work) == [[CompiledMatcher(made).run(values) for values in scenarios] for made, scenarios in work]


# --- at scale ------------------------------------------------------------------------------------------------


def test_a_5000_rule_base_is_checked_and_forecast_on_the_compiled_matcher(scale_runs: dict[str, ScaleRun]) -> None:
    """Past the limits (the testers saw a hang here): `check` and a forecast both finish, and say why they use the compiled matcher."""
    checked, forecast = (scale_runs[command].result() for command in ("check", "forecast"))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("ok: 5000 rules")
    notes = [line for line in checked.stdout.splitlines() if line.startswith("note: stratum")]
    assert notes and all(
        "durable_rules holds" in note and note.endswith("forecasts run on the compiled matcher, which gives the same answers")
        for note in notes
    )
    assert forecast.returncode == 0, forecast.stderr
    assert forecast.stdout.startswith("Synthetic scenario s1")
    (notice,) = forecast.stderr.splitlines()
    assert notice.startswith("forecast: note: stratum ") and "durable_rules holds" in notice
    assert notice.endswith("; it runs on the compiled matcher, which gives the same answers")
    assert f"(and {len(notes) - 1} more)" in notice


@pytest.mark.slow
def test_a_300_rule_base_within_the_limits_gets_the_same_forecasts_from_both_matchers(tmp_path: Path) -> None:
    write_rule_base(tmp_path, 300, seed=3)
    rule_base = load_valid(tmp_path / "rules", tmp_path / "seeds")
    on_durable = Engine.from_rule_base(rule_base)
    assert isinstance(on_durable.matcher, DurableMatcher) and on_durable.notices == ()
    on_compiled = Engine.on(rule_base, on_durable.program, "compiled")
    for seed in range(20):
        values = scenario_values(tmp_path, seed)
        assert on_durable.matcher.run(values) == on_compiled.matcher.run(values), values
        assert on_durable.forecast(values) == on_compiled.forecast(values), values


@pytest.mark.slow
def test_a_1000_rule_base_within_the_limits_gets_the_same_firings_and_forecasts_from_both_matchers(tmp_path: Path) -> None:
    """The 1,000-rule synthetic base, narrow on 8 variables so that durable_rules holds it: chained facts, negation, every operator."""
    write_rule_base(tmp_path, 1000, seed=1, variables=8, profile="narrow")
    rule_base = load_valid(tmp_path / "rules", tmp_path / "seeds")
    assert len(rule_base.rules) == 1000
    on_durable = Engine.from_rule_base(rule_base)
    assert isinstance(on_durable.matcher, DurableMatcher) and on_durable.notices == ()
    on_compiled = Engine.on(rule_base, on_durable.program, "compiled")
    derived = 0
    for seed in range(24):
        values = scenario_values(tmp_path, seed)
        firings = on_durable.matcher.run(values)
        assert firings == on_compiled.matcher.run(values), values
        derived += sum(1 for firing in firings if firing.facts)
        if seed % 6 == 0:
            assert on_durable.forecast(values) == on_compiled.forecast(values), values
    assert derived > 0, "no firing read a derived fact: the chaining is not exercised"


def test_the_synthetic_generator_writes_the_same_bytes_for_the_same_arguments(tmp_path: Path) -> None:
    def written(directory: Path) -> dict[Path, bytes]:
        return {path.relative_to(directory): path.read_bytes() for path in sorted(directory.rglob("*")) if path.is_file()}

    for name, seed in (("one", 5), ("two", 5), ("other", 6)):
        write_rule_base(tmp_path / name, 120, seed=seed, variables=7, profile="narrow")
        write_scenario(tmp_path / name, "s", seed=2)
    assert written(tmp_path / "one") == written(tmp_path / "two") != written(tmp_path / "other")
    assert len(load_valid(tmp_path / "one" / "rules", tmp_path / "one" / "seeds").rules) == 120


def test_the_synthetic_generator_writes_20000_rules_in_files_the_loader_accepts(tmp_path: Path) -> None:
    """Every file of a 20,000-rule base is within the loader's byte limit, and each seed holds its speaker's quotes.

    One seed for the whole base would be about 1.4 MB, over the limit; a
    seed per speaker keeps each near 160 kB. Loading and checking the whole
    base takes seconds: benchmarks/bench_scale.py runs `forecast check` on it.
    """
    write_rule_base(tmp_path, 20000, seed=0)
    files = [path for path in sorted(tmp_path.rglob("*")) if path.is_file()]
    sizes = {path.name: path.stat().st_size for path in files}
    assert max(sizes.values()) <= yamlfile.MAX_BYTES, max(sizes.items(), key=lambda item: item[1])
    texts = {path.stem: yamlfile.read_text(path) for path in (tmp_path / "seeds").glob("*.txt")}
    assert len(texts) == 9 and sum(len(text) for text in texts.values()) > yamlfile.MAX_BYTES
    quoted = 0
    for path in (tmp_path / "rules").glob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("    source: "):
                source = json.loads(line.removeprefix("    source: "))
                assert source["seed"] == f"synthetic-0-{path.stem}" and source["quote"] in texts[source["seed"]], line
                quoted += 1
    assert quoted > 17000

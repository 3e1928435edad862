"""The durable_rules matcher: the only module that imports durable_rules.

durable_rules 2.0.28 has sharp edges, each handled here and each guarded by
a test in tests/test_durable_backend.py:

- One `Host` per process. A Host per scenario leaks two timer threads and
  the ruleset memory forever.
- The Host's background dispatch thread can run actions on its own; our
  Host's `_run` starts no thread.
- An action with two parameters is treated as asynchronous; ours take one.
- An exception inside an action is stored in the state as text, never
  raised; our actions catch everything and we raise after the run.
- At most 1024 live state ids per ruleset, and two live ids can share a
  state through a 32-bit hash: exactly one state id is live at a time,
  deleted in a `finally`, and every firing checks it saw that id.
- Deleting a state in which no rule fired can crash the process: every
  stratum has a sentinel rule that fires on the scenario fact.
- A fact that no rule matches raises `MessageNotHandledException`: a stratum
  is sent only the lower-stratum facts its rules read, and an action asserts
  the fact its rule derives only where a rule of the same stratum reads it
  (a fact read only by higher strata is recorded and passed on, not asserted).
- Facts are looked up by hash without comparing keys, so a distinct fact can
  be dropped as a duplicate: after asserting, the stored facts are counted.
- Asserting an identical fact twice raises: each derived fact is asserted
  once per scenario, and the count of firings has a budget.
- Values are not type-checked: `Program.encode` makes every value a number
  and refuses any other type; variables carry a prefix in the scenario
  fact, so a variable named `kind` or `sid` cannot overwrite the engine's.
- Negation depends on assertion order: rules run stratum by stratum, and
  within a stratum the lower facts are asserted before the scenario fact.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Mapping
from typing import Any

from durable import engine as durable_engine

from engine.compile import SCENARIO_ALIAS, SENTINEL, Branch, FactLiteral, Program, Stratum, Value
from engine.errors import EngineFailure
from engine.matcher import Firing, Matcher


class _QuietHost(durable_engine.Host):
    """A Host whose background dispatch threads never start."""

    def _run(self) -> None:
        """Start nothing: every action runs synchronously in the caller's thread."""


_HOST: _QuietHost | None = None
_HOST_LOCK = threading.Lock()
_NAMES = itertools.count()
_SIDS = itertools.count(1)


def shared_host() -> _QuietHost:
    """The one Host of this process."""
    global _HOST
    with _HOST_LOCK:
        if _HOST is None:
            _HOST = _QuietHost()
        return _HOST


class _Run:
    """The mutable record of one scenario's evaluation, shared by its actions."""

    def __init__(self, sid: str) -> None:
        self.sid = sid
        self.firings: list[Firing] = []
        self.derived: set[str] = set()
        self.asserted: set[str] = set()
        self.errors: list[str] = []
        self.interrupt: BaseException | None = None


class DurableMatcher(Matcher):
    """Evaluates scenarios with durable_rules, one live state at a time."""

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        self._host = shared_host()
        self._current: _Run | None = None
        self._lock = threading.Lock()
        self._names: list[str] = []
        for stratum in program.strata:
            name = f"forecast_{next(_NAMES)}_s{stratum.index}"
            self._host.register_rulesets({name: self._ruleset(stratum)})
            self._names.append(name)

    def _ruleset(self, stratum: Stratum) -> dict[str, Any]:
        rules: dict[str, Any] = {}
        # Only facts some rule of this stratum matches may be asserted into
        # it: any other fact raises MessageNotHandledException.
        readable = frozenset(
            literal.fact for branch in stratum.branches.values() for literal in branch.literals if isinstance(literal, FactLiteral)
        )
        for engine_name, definition in stratum.rules.items():
            rule = copy.deepcopy(dict(definition))
            branch = stratum.branches.get(engine_name)
            rule["run"] = self._action(stratum.index, branch, readable)
            rules[engine_name] = rule
        return rules

    def _action(self, stratum: int, branch: Branch | None, readable: frozenset[str]) -> Callable[[Any], None]:
        produced = self.program.rule_facts.get(branch.rule_id) if branch else None
        fact_aliases = (
            [(f"f{position}", literal.fact) for position, literal in enumerate(branch.literals) if isinstance(literal, FactLiteral) and literal.positive]
            if branch
            else []
        )

        def action(c: Any) -> None:
            run = self._current
            if run is None:
                return
            try:
                seen = getattr(c, SCENARIO_ALIAS)
                if seen is None or seen["sid"] != run.sid:
                    run.errors.append(f"{SENTINEL if branch is None else branch.engine_name}: matched a fact of another state")
                    return
                if branch is None:
                    return
                matched = tuple(fact for alias, fact in fact_aliases if getattr(c, alias) is not None)
                run.firings.append(Firing(stratum, branch.rule_id, branch.index, matched))
                if produced is not None and produced not in run.derived:
                    run.derived.add(produced)
                    if produced in readable:
                        run.asserted.add(produced)
                        c.assert_fact({"kind": "fact", "name": produced})
            except BaseException as error:  # noqa: BLE001 - durable_rules would swallow it; keep it for the caller
                run.errors.append(f"{branch.engine_name if branch else SENTINEL}: {type(error).__name__}: {error}")
                if not isinstance(error, Exception):
                    run.interrupt = error

        return action

    def run(self, values: Mapping[str, Value]) -> tuple[Firing, ...]:
        scenario = self.program.scenario_fact(values)
        with self._lock:
            derived: set[str] = set()
            firings: list[Firing] = []
            for name, stratum in zip(self._names, self.program.strata):
                run = _Run(str(next(_SIDS)))
                run.derived = set(derived)
                self._current = run
                try:
                    self._run_stratum(name, stratum, scenario, derived, run)
                finally:
                    self._current = None
                    self._host.delete_state(name, run.sid)
                # Each branch matches the one scenario fact and distinct derived
                # facts, so it can fire once at most; more means a runaway chain.
                budget = len(stratum.branches)
                if len(run.firings) > budget:
                    raise EngineFailure(f"stratum {stratum.index} fired {len(run.firings)} times, over its budget of {budget}")
                firings.extend(run.firings)
                derived |= run.derived
            return tuple(sorted(set(firings)))

    def _run_stratum(self, name: str, stratum: Stratum, scenario: dict[str, Any], derived: set[str], run: _Run) -> None:
        base = [{"sid": run.sid, "kind": "fact", "name": fact} for fact in sorted(stratum.reads & derived)]
        for fact in base:
            self._host.assert_fact(name, fact)
        self._host.assert_fact(name, {"sid": run.sid, **scenario})
        # A failed action explains any missing fact: report it, not a collision.
        # Ctrl-C or an exit inside an action is the user's, not the engine's.
        if run.interrupt is not None:
            raise run.interrupt
        if run.errors:
            raise EngineFailure("rule engine action failed: " + "; ".join(run.errors))
        stored = self._host.get_facts(name, run.sid)
        expected = len(base) + 1 + len(run.asserted)
        if len(stored) != expected:
            raise EngineFailure(f"rule engine stored {len(stored)} facts, expected {expected} (a hash collision in durable_rules?)")

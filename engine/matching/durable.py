"""The durable_rules matcher: the only module that imports durable_rules.

durable_rules 2.0.28 has sharp edges, each handled here and each guarded by
a test in tests/test_durable_backend.py (its limits: tests/test_durable_limits.py):

- It does not import on Python 3.13 unless built with a macro defined
  (`SETUP_HINT`): the import failure becomes a `SetupError` that says so.
- One `Host` per process. A Host per scenario leaks two timer threads and
  the ruleset memory forever, and no ruleset can ever be freed or
  re-registered: a stratum's ruleset is registered once per distinct
  content and shared by every matcher that needs it, so opening the same
  rule base again costs no memory.
- The Host's background dispatch thread can run actions on its own; our
  Host's `_run` starts no thread.
- An action with two parameters is treated as asynchronous; ours take one.
- An exception inside an action is stored in the state as text, never
  raised (even KeyboardInterrupt): our actions catch everything and we raise
  after the run, and SIGINT and SIGTERM are held while the engine runs and
  delivered when it returns, so an interrupt never drops a firing silently.
- At most 1024 live state ids per ruleset, and two live ids can share a
  state through a 32-bit hash: exactly one state id is live at a time,
  deleted in a `finally`, and every firing checks it saw that id.
- Deleting a state in which no rule fired can crash the process: every
  stratum has a sentinel rule that fires on the scenario fact.
- A fact that no rule matches raises `MessageNotHandledException`: a stratum
  is sent only the lower-stratum facts its rules read, and an action asserts
  the fact its rule derives only where a rule of the same stratum reads it.
- Facts are looked up by hash without comparing keys, so a distinct fact can
  be dropped as a duplicate: after asserting, the stored facts are counted.
- Asserting an identical fact twice raises: each derived fact is asserted
  once per scenario, and the count of firings has a budget.
- Values are not type-checked: `Program.encode` makes every value its rank
  and refuses any other type; variables carry a prefix in the scenario
  fact, so a variable named `kind` or `sid` cannot overwrite the engine's.
- Its JSON reader refuses numbers in exponent notation (`1e-09`, error 204)
  and any float loses digits on the way: the engine never sees a number but
  a small whole code per variable, its rank's place among the constants the
  rules compare it with (`Codes`), which keeps every comparison.
- Negation depends on assertion order: rules run stratum by stratum, and
  within a stratum the lower facts are asserted before the scenario fact.
- Past fixed sizes in its C core it raises, hangs where no interrupt
  reaches it, answers wrongly or aborts the process: 511 distinct tests
  right after one test, 255 rules whose tests end at one test, 127 `in`s
  sharing an alternative, 64 tests pending while a scenario is matched, 15
  and/or groups in a pattern, 16 patterns in a rule, 4096 rules in a
  stratum, 251 variables (docs/durable.md). `engine.matching.limits` checks
  the exact JSON first: such a program runs on the compiled matcher
  (`Engine.on`), and this matcher refuses it before registering anything.
- Property names are compared by a 32-bit hash only: variables are sent
  under names whose hashes differ from each other and from the engine's
  own (`engine.matching.rulesets.property_names`).
"""

from __future__ import annotations

import itertools
import json
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from engine.errors import EngineFailure, SetupError
from engine.language import FactLiteral, Value
from engine.matching.compile import Branch, Program, Stratum
from engine.matching.limits import require_within_limits
from engine.matching.matcher import Firing, Matcher
from engine.matching.rulesets import SCENARIO_ALIAS, SENTINEL, Codes, derived_fact, ruleset, scenario_fact

SETUP_HINT = (
    "reinstall it with CPPFLAGS='-DPyEval_CallObject(f,a)=PyObject_CallObject(f,a)' "
    "python -m pip install --no-cache-dir --force-reinstall --no-deps durable-rules==2.0.28"
)


def _durable() -> Any:
    """The `durable.engine` module, or a `SetupError` that says how to repair the installation."""
    try:
        from durable import engine
    except ImportError as error:
        raise SetupError(f"durable-rules cannot be imported ({error}); {SETUP_HINT}") from None
    return engine


# --- one Host, rulesets registered once ----------------------------------------------

_LOCK = threading.RLock()
"""Held for every use of the Host: one scenario is live in the process at a time."""
_HOST: Any = None
_NAMES = itertools.count()
_SIDS = itertools.count(1)


def shared_host() -> Any:
    """The one Host of this process, whose background dispatch threads never start."""
    global _HOST
    with _LOCK:
        if _HOST is None:
            engine = _durable()

            class QuietHost(engine.Host):  # type: ignore[misc, name-defined]
                def _run(self) -> None:
                    """Start nothing: every action runs synchronously in the caller's thread."""

            _HOST = QuietHost()
        return _HOST


class _Run:
    """The record of one stratum's evaluation for one scenario, filled by its actions."""

    __slots__ = ("asserted", "derived", "errors", "firings", "interrupt", "sid")

    def __init__(self, sid: str, derived: set[str]) -> None:
        self.sid = sid
        self.derived = derived
        self.firings: list[Firing] = []
        self.asserted: set[str] = set()
        self.errors: list[str] = []
        self.interrupt: BaseException | None = None


class _Registration:
    """One stratum ruleset in the Host, shared by every matcher whose stratum has the same content."""

    __slots__ = ("current", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self.current: _Run | None = None


_REGISTERED: dict[str, _Registration] = {}


def _content_key(rules: Mapping[str, Any], stratum: Stratum, program: Program) -> str:
    """What an action of this ruleset depends on: its rules, its stratum and the facts its rules derive."""
    produced = {branch.rule_id: program.rule_facts.get(branch.rule_id) for branch in stratum.branches.values()}
    return json.dumps([stratum.index, rules, produced], sort_keys=True)


def _register(stratum: Stratum, program: Program, codes: Codes) -> _Registration:
    rules = ruleset(stratum, program, codes)
    key = _content_key(rules, stratum, program)
    with _LOCK:
        registration = _REGISTERED.get(key)
        if registration is None:
            registration = _Registration(f"forecast_{next(_NAMES)}_s{stratum.index}")
            readable = frozenset(
                literal.fact for branch in stratum.branches.values() for literal in branch.literals if isinstance(literal, FactLiteral)
            )
            for name, rule in rules.items():
                rule["run"] = _action(registration, stratum.index, stratum.branches.get(name), program.rule_facts, readable)
            shared_host().register_rulesets({registration.name: rules})
            _REGISTERED[key] = registration
        return registration


def _action(
    registration: _Registration, stratum: int, branch: Branch | None, rule_facts: Mapping[str, str], readable: frozenset[str]
) -> Callable[[Any], None]:
    """The one-parameter action of one branch (or of the sentinel, `branch` None)."""
    produced = rule_facts.get(branch.rule_id) if branch else None
    label = branch.name if branch else SENTINEL
    fact_aliases = [
        (f"f{position}", literal.fact)
        for position, literal in enumerate(branch.literals if branch else ())
        if isinstance(literal, FactLiteral) and literal.positive
    ]

    def action(c: Any) -> None:
        run = registration.current
        if run is None:
            return
        try:
            seen = getattr(c, SCENARIO_ALIAS)
            if seen is None or seen["sid"] != run.sid:
                run.errors.append(f"{label}: matched a fact of another state")
                return
            if branch is None:
                return
            matched = tuple(fact for alias, fact in fact_aliases if getattr(c, alias) is not None)
            run.firings.append(Firing(stratum, branch.rule_id, branch.index, matched))
            if produced is not None and produced not in run.derived:
                run.derived.add(produced)
                if produced in readable:
                    run.asserted.add(produced)
                    c.assert_fact(derived_fact(produced))
        except BaseException as error:
            run.errors.append(f"{label}: {type(error).__name__}: {error}")
            if not isinstance(error, Exception):
                run.interrupt = error

    return action


class _Hold:
    """The handler of SIGINT and SIGTERM while the engine runs: it notes a signal, or, once released, passes it on."""

    def __init__(self, previous: Mapping[int, Any]) -> None:
        self.previous = previous
        self.caught: list[int] = []
        self.holding = True

    def __call__(self, received: int, frame: Any) -> None:
        # Once released, a signal goes straight to its own handler, even before that handler is
        # back in place: an interrupt raised while the handlers are restored cannot leave one of
        # them holding forever.
        if self.holding:
            self.caught.append(received)
        else:
            _deliver(received, self.previous[received])


def _installed(number: int) -> Any:
    """The handler of `number`, seen through a `_Hold` left in place by an interrupted restore."""
    handler = signal.getsignal(number)
    while isinstance(handler, _Hold):
        handler = handler.previous[number]
    return handler


@contextmanager
def held_signals() -> Iterator[None]:
    """Hold SIGINT and SIGTERM while the engine runs; deliver them, to their own handlers, afterwards.

    durable_rules swallows an exception raised inside its action dispatch and
    drops what the action was about to assert, so an interrupt that lands
    there would give a wrong answer instead of an interruption. Outside the
    main thread signals cannot arrive, and nothing is held.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # A handler installed from C (None) cannot be put back from Python: that signal is left alone.
    previous: dict[int, Any] = {
        number: handler for number in (signal.SIGINT, signal.SIGTERM) if (handler := _installed(number)) is not None
    }
    hold = _Hold(previous)
    for number in previous:
        signal.signal(number, hold)
    try:
        yield
    finally:
        hold.holding = False
        for number, handler in previous.items():
            signal.signal(number, handler)
        for received in dict.fromkeys(hold.caught):
            _deliver(received, previous[received])


def _deliver(number: int, handler: Any) -> None:
    """Give a held signal to the handler that was in place: call it, or do what the default would."""
    if callable(handler):
        handler(number, None)
    elif handler == signal.SIG_DFL:
        signal.signal(number, signal.SIG_DFL)  # a `_Hold` may still be in place: raise to the default, not to it
        signal.raise_signal(number)


class DurableMatcher(Matcher):
    """Evaluates scenarios with durable_rules, one live state at a time."""

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        require_within_limits(program)
        self._codes = Codes(program)
        self._registrations = [_register(stratum, program, self._codes) for stratum in program.strata]

    @property
    def ruleset_names(self) -> tuple[str, ...]:
        return tuple(registration.name for registration in self._registrations)

    def run(self, values: Mapping[str, Value]) -> tuple[Firing, ...]:
        scenario = scenario_fact(self.program, values, self._codes)
        with _LOCK, held_signals():
            derived: set[str] = set()
            firings: list[Firing] = []
            for registration, stratum in zip(self._registrations, self.program.strata, strict=True):
                run = _Run(str(next(_SIDS)), set(derived))
                registration.current = run
                try:
                    self._run_stratum(registration.name, stratum, scenario, derived, run)
                finally:
                    registration.current = None
                    shared_host().delete_state(registration.name, run.sid)
                # Each branch matches the one scenario fact and distinct derived
                # facts, so it can fire once at most; more means a runaway chain.
                budget = len(stratum.branches)
                if len(run.firings) > budget:
                    raise EngineFailure(f"stratum {stratum.index} fired {len(run.firings)} times, over its budget of {budget}")
                firings.extend(run.firings)
                derived |= run.derived
            return tuple(sorted(set(firings)))

    def _run_stratum(self, name: str, stratum: Stratum, scenario: dict[str, Any], derived: set[str], run: _Run) -> None:
        host = shared_host()
        base = [{"sid": run.sid, **derived_fact(fact)} for fact in sorted(stratum.reads & derived)]
        for fact in base:
            host.assert_fact(name, fact)
        host.assert_fact(name, {"sid": run.sid, **scenario})
        # A failed action explains any missing fact: report it, not a collision.
        # Ctrl-C or an exit inside an action is the user's, not the engine's.
        if run.interrupt is not None:
            raise run.interrupt
        if run.errors:
            raise EngineFailure("rule engine action failed: " + "; ".join(run.errors))
        stored = host.get_facts(name, run.sid)
        expected = len(base) + 1 + len(run.asserted)
        if len(stored) != expected:
            raise EngineFailure(f"rule engine stored {len(stored)} facts, expected {expected} (a hash collision in durable_rules?)")

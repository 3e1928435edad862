"""Many scenarios at once: `Engine.forecast_many`, in this process or shipped in chunks to any executor.

One generated function (`engine.matching.compiled.generate`) checks a
scenario's values and evaluates every rule: it returns one flag per branch
that can fire, or None when a value is not plainly right (then the usual
checks run, and raise `InputError` naming the variable, or accept a value
the quick test was not sure of). Without traces, a forecast depends only on
which branches fired, so the summary of each set of firings is made once
and reused: scenarios of one class (`engine.space`) always share it, and
so do many classes. Measured on the shipped base, keying on the firings
costs less than computing each variable's class, and it needs no space.

With an executor, scenarios go in chunks of `CHUNK` to `forecast_chunk`, a
plain function of this module, with the rule base and compiled program
pickled once (its seed texts left out: forecasts do not read them) and a
digest of them: each worker builds its `Bulk` once per rule base and keeps
it. Results come back in input order.

A scenario on which the engine raises anything unforeseen (a bug) gets an
`EngineFailure` saying what was raised, in its place: it ends that row,
never the others, in this process or in a worker (whose exception might
not even pickle).
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future
from itertools import islice
from typing import Any, Literal

from engine.arguments import count
from engine.errors import EngineFailure, ForecastError, InputError, did_you_mean, one_line
from engine.language import BooleanKind, LevelKind, NumberKind, Value, show_value
from engine.load.scenario import check_values
from engine.matching.compile import Program
from engine.matching.compiled import define, generate, variable_names
from engine.matching.matcher import Firing
from engine.model import RuleBase
from engine.records import replace
from engine.resolve.results import Forecast, ForecastSummary, QuestionSummary
from engine.resolve.stances import Resolver

CHUNK = 2_000
"""Scenarios per chunk sent to an executor: large enough that shipping costs little beside the work."""
KEPT = 65_536
"""How many sets of firings keep their summary before the memory starts afresh."""

Errors = Literal["raise", "yield"]
Failed = InputError | EngineFailure
"""A scenario's error: its values are wrong (`InputError`), or the engine failed on it (`EngineFailure`)."""
Result = Forecast | ForecastSummary
Flags = tuple[bool, ...]
Kept = tuple[tuple[QuestionSummary, ...], Mapping[str, tuple[str, ...]], tuple[Firing, ...]]
"""A `ForecastSummary`'s questions, facts and firings: all it holds besides the values."""


def _checking_header(program: Program, names: Mapping[str, str]) -> tuple[list[str], dict[str, Any]]:
    """The first lines of a generated `run(v)` that reads every variable's rank from `v` and returns None unless each is plainly right.

    "Plainly right": a bool for a boolean, one of the levels, an int (or a
    float, for a continuous number) within the bounds, and no other key.
    Anything else goes to the full checks, which decide.
    """
    namespace: dict[str, Any] = {}
    lines = ["def run(v):", "    try:", f"        if len(v) != {len(program.kinds)}:", "            return None"]
    checks = []
    for name, kind in program.kinds.items():
        variable = names[name]
        if isinstance(kind, LevelKind):
            namespace[f"L_{variable}"] = {level: kind.rank(level) for level in kind.levels}
            lines.append(f"        {variable} = L_{variable}.get(v[{name!r}])")
            checks.append(f"{variable} is None")
            continue
        lines.append(f"        {variable} = v[{name!r}]")
        if isinstance(kind, BooleanKind):
            checks.append(f"{variable}.__class__ is not bool")
        elif isinstance(kind, NumberKind):
            classes = f"{variable}.__class__ is not int"
            if not kind.integer:
                classes = f"({classes} and {variable}.__class__ is not float)"
            checks.append(f"{classes} or not {kind.minimum!r} <= {variable} <= {kind.maximum!r}")
        else:  # a kind this header does not know: always the full checks
            checks.append("True")
    lines += ["    except Exception:", "        return None"]
    for check in checks:
        lines += [f"    if {check}:", "        return None"]
    return lines, namespace


class Bulk:
    """Forecasts for one rule base, scenario after scenario, as cheaply as they come.

    `one(values)` gives what `Engine.forecast(values).summary()` gives, and
    `one(values, trace=True)` what `Engine.forecast(values)` gives, from the
    compiled program whatever matcher the engine runs (they are proven equal).
    """

    def __init__(self, rule_base: RuleBase, program: Program) -> None:
        self.rule_base = rule_base
        self.program = program
        self.resolver = Resolver(rule_base, program)
        names = variable_names(program)
        header, namespace = _checking_header(program, names)
        source, firings = generate(program, header=header, reads=names, flags=True)
        self._checked: Callable[[object], Flags | None] = define(source, namespace)
        self._ranked: Callable[[Mapping[str, float]], Flags] = define(generate(program, flags=True)[0], {})
        self._firings = firings
        self._kept: dict[Flags, Kept] = {}

    def one(self, given: object, trace: bool = False) -> Result:
        """The forecast of one scenario (`InputError` naming the variable when a value is wrong)."""
        values, flags = self.evaluate(given)
        kept = self.kept(flags)
        if trace:
            return self.resolver.resolve(values, kept[2])
        return ForecastSummary(dict(values), *kept)

    def evaluate(self, given: object) -> tuple[Mapping[str, Value], Flags]:
        """A scenario's values, checked (they are the values given: the checks change none), and the flags of what fired."""
        flags = self._checked(given)
        if flags is not None:
            return given, flags  # type: ignore[return-value]  # the quick check found a mapping of right values
        values = check_values(self.rule_base.vocabulary, given)
        return values, self._ranked(self.program.encode(values))

    def kept(self, flags: Flags) -> Kept:
        """What a forecast without traces holds besides its values, for one set of firings: made once, then reused."""
        found = self._kept.get(flags)
        return found if found is not None else self._summarise(flags)

    def _summarise(self, flags: Flags) -> Kept:
        firings = tuple(sorted(firing for firing, fired in zip(self._firings, flags, strict=True) if fired))
        summary = self.resolver.summarise({}, firings)
        kept = (summary.questions, summary.facts, firings)
        if len(self._kept) >= KEPT:
            self._kept.clear()
        self._kept[flags] = kept
        return kept

    def many(self, rows: Iterable[object], trace: bool, errors: Errors) -> Iterator[Result | Failed]:
        for values in rows:
            try:
                result: Result | Failed = self.one(values, trace)
            except InputError as error:
                result = error
            except Exception as error:  # a bug met on this scenario: it ends this row, not the run
                result = failure(error)
            if isinstance(result, ForecastError) and errors == "raise":
                raise result
            yield result


def failure(error: Exception) -> EngineFailure:
    """What the engine raised on one scenario, unforeseen, as that scenario's error (its cause kept in this process)."""
    failed = EngineFailure(one_line(f"the engine failed on this scenario: {type(error).__name__}: {error}"))
    failed.__cause__ = error
    return failed


def shipped(rule_base: RuleBase, program: Program) -> tuple[str, bytes]:
    """What a worker needs to build a `Bulk`, pickled, and its digest: the rule base without its seed texts, and the program."""
    payload = pickle.dumps((replace(rule_base, seeds={}), program), protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.sha256(payload).hexdigest(), payload


_BUILT: dict[str, Bulk] = {}
"""In a worker: the `Bulk` of each rule base it was sent, by digest."""


Shipped = tuple[list[Flags], list[int | Forecast | Failed]]
"""What a worker sends back for a chunk: each distinct set of firings once, as flags, then per scenario the
position of its flags (the caller summarises them, once each, and the values are its own), its forecast with
traces, or its error."""


def forecast_chunk(digest: str, payload: bytes, rows: list[object], trace: bool) -> Shipped:
    """Forecast a chunk of scenarios in a worker (see `Shipped`); a wrong one gives its error in its place."""
    bulk = _BUILT.get(digest)
    if bulk is None:
        rule_base, program = pickle.loads(payload)
        bulk = _BUILT[digest] = Bulk(rule_base, program)
    table: list[Flags] = []
    positions: dict[Flags, int] = {}
    results: list[int | Forecast | Failed] = []
    for given in rows:
        try:
            values, flags = bulk.evaluate(given)
            if trace:
                results.append(bulk.resolver.resolve(values, bulk.kept(flags)[2]))
                continue
        except InputError as error:
            results.append(error)
            continue
        except Exception as error:  # unforeseen: this row's error, sent back as text (the exception may not pickle)
            failed = failure(error)
            failed.__cause__ = None
            results.append(failed)
            continue
        position = positions.get(flags)
        if position is None:
            position = positions[flags] = len(table)
            table.append(flags)
        results.append(position)
    return table, results


def _kept(bulk: Bulk, flags: Flags) -> Kept | EngineFailure:
    """`bulk.kept(flags)`, or the failure of summarising these firings: the rows that have them fail, not the run."""
    try:
        return bulk.kept(flags)
    except Exception as error:
        return failure(error)


def _summary(given: object, kept: Kept | EngineFailure) -> ForecastSummary | EngineFailure:
    """The summary of a right scenario (a mapping), from what its firings summarise to (or the failure to)."""
    if isinstance(kept, EngineFailure):
        return kept
    return ForecastSummary(dict(given), *kept)  # type: ignore[call-overload]  # a right scenario: a mapping


def in_flight(executor: Executor) -> int:
    """How many chunks to keep submitted at once: twice the executor's workers when it says how many
    (a process or thread pool does), else twice this machine's cores."""
    workers = getattr(executor, "_max_workers", None)
    return 2 * (workers if isinstance(workers, int) and workers > 0 else os.cpu_count() or 2)


def check_arguments(executor: object, errors: object, chunk: object, ahead: object) -> None:
    """`InputError` naming the first wrong argument of `forecast_many`: an executor that is none, an unknown
    way with errors, a chunk or window that is not a positive int."""
    if executor is not None and not isinstance(executor, Executor):
        raise InputError(
            f"expected a concurrent.futures.Executor or None, got {type(executor).__name__}",
            key="executor",
            suggestion="pass a process pool, or a Dask or Ray executor: docs/batch.md",
        )
    if errors not in ("raise", "yield"):
        close = did_you_mean(str(errors), ("raise", "yield"), listing=False)
        raise InputError(f"expected 'raise' or 'yield', got {show_value(errors)}", key="errors", suggestion=close)
    count("chunk", chunk)
    if ahead is not None:
        count("ahead", ahead)


def forecast_many(
    bulk: Bulk,
    rows: Iterable[object],
    *,
    trace: bool,
    executor: Executor | None,
    errors: Errors,
    chunk: int = CHUNK,
    ahead: int | None = None,
    payload: Callable[[], tuple[str, bytes]] | None = None,
) -> Iterator[Result | Failed]:
    """Every row's forecast, in order; see `Engine.forecast_many` (which checks the arguments before the first row)."""
    check_arguments(executor, errors, chunk, ahead)
    if executor is None:
        yield from bulk.many(rows, trace, errors)
        return
    digest, pickled = payload() if payload is not None else shipped(bulk.rule_base, bulk.program)
    pending: deque[tuple[list[object], Future[Shipped]]] = deque()
    window = ahead if ahead is not None else in_flight(executor)
    source = iter(rows)
    try:
        while True:
            while len(pending) < window and (part := list(islice(source, chunk))):
                pending.append((part, executor.submit(forecast_chunk, digest, pickled, part, trace)))
            if not pending:
                return
            part, future = pending.popleft()
            table, results = future.result()
            kept = [_kept(bulk, flags) for flags in table]
            for given, result in zip(part, results, strict=True):
                answer = _summary(given, kept[result]) if isinstance(result, int) else result
                if isinstance(answer, ForecastError) and errors == "raise":
                    raise answer
                yield answer
    finally:
        for _, future in pending:
            future.cancel()


__all__ = ["CHUNK", "Bulk", "Failed", "check_arguments", "failure", "forecast_chunk", "forecast_many", "shipped"]

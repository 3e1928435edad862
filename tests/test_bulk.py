"""`Engine.forecast_many`: the same answers as `Engine.forecast`, in order, checked as strictly, in a pool too.

Without `trace`, a forecast is a `ForecastSummary`, equal to the summary of
the full forecast of the same scenario, on every class of the shipped rule
base, on raw values anywhere in their ranges and on random rule bases with
chaining and negation. A wrong scenario is refused with the `InputError`
that `Engine.forecast` gives, at its place in the order; with
`errors="yield"` the others go on. With an executor (a process pool of two
workers, a thread pool) the results are the same, in the same order.
"""

from __future__ import annotations

import enum
import pickle
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import Compiled, compiled_rule_bases

from engine.bulk import Bulk
from engine.errors import EngineFailure, InputError, RuleBaseInvalid
from engine.language import Value
from engine.matching.compiled import CompiledMatcher
from engine.model import Checks, Expert, RuleBase
from engine.pipeline import Engine
from engine.resolve.results import Forecast, ForecastSummary, QuestionSummary, StanceSummary
from engine.resolve.stances import Resolver
from engine.space import ScenarioSpace

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def every_class(shipped_engine: Engine) -> list[dict[str, Value]]:
    space = ScenarioSpace.of(shipped_engine.rule_base)
    return [space.values(point) for point in space.points()]


@pytest.fixture(scope="module")
def raw(shipped_engine: Engine) -> list[dict[str, Value]]:
    """A few hundred scenarios with values drawn anywhere in their ranges (seeded)."""
    import random

    from engine.language import BooleanKind, LevelKind

    draw = random.Random(8)
    rows = []
    for _ in range(300):
        row: dict[str, Value] = {}
        for name, kind in shipped_engine.vocabulary.kinds.items():
            if isinstance(kind, BooleanKind):
                row[name] = draw.random() < 0.5
            elif isinstance(kind, LevelKind):
                row[name] = draw.choice(kind.levels)
            else:
                row[name] = draw.randint(int(kind.minimum), int(kind.maximum))
        rows.append(row)
    return rows


def test_every_class_gets_the_summary_of_its_forecast(shipped_engine: Engine, every_class: list[dict[str, Value]]) -> None:
    summaries = list(shipped_engine.forecast_many(every_class))
    assert len(summaries) == len(every_class) == 1152
    for values, summary in zip(every_class, summaries, strict=True):
        assert summary == shipped_engine.forecast(values).summary(), values
    assert len({summary.questions for summary in summaries}) > 50, "the classes differ: the test compares many forecasts"


def test_engine_summary_is_the_summary_of_the_forecast_and_checks_its_input(shipped_engine: Engine, raw: list[dict[str, Value]]) -> None:
    """`Engine.summary`, one scenario on the engine's own matcher (durable_rules here), as the consistency search observes it."""
    for values in raw[:80]:
        assert shipped_engine.summary(values) == shipped_engine.forecast(values).summary(), values
    with pytest.raises(InputError):
        shipped_engine.summary({"junta_pays": True})


def test_raw_values_anywhere_in_their_ranges(shipped_engine: Engine, raw: list[dict[str, Value]]) -> None:
    for values, summary in zip(raw, shipped_engine.forecast_many(raw), strict=True):
        assert summary == shipped_engine.forecast(values).summary()
        assert list(summary.values) == list(values) and summary.values == values


def test_with_traces_it_is_the_forecast_itself(shipped_engine: Engine, raw: list[dict[str, Value]]) -> None:
    rows = raw[:60]
    forecasts = list(shipped_engine.forecast_many(rows, trace=True))
    assert all(isinstance(forecast, Forecast) for forecast in forecasts)
    assert forecasts == [shipped_engine.forecast(values) for values in rows]
    assert any(stance.trace for forecast in forecasts for question in forecast.questions for stance in question.stances)


def test_a_summary_has_no_trace_to_read(shipped_engine: Engine, every_class: list[dict[str, Value]]) -> None:
    """Code that reads traces fails on a summary, it never finds them empty."""
    summary = next(summary for summary in shipped_engine.forecast_many(every_class) if summary.question("russia_presence").stances)
    stance = summary.question("russia_presence").stances[0]
    assert isinstance(summary, ForecastSummary) and isinstance(stance, StanceSummary)
    assert isinstance(summary.question("russia_presence"), QuestionSummary)
    with pytest.raises(AttributeError):
        stance.trace  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError):
        stance.rests_on_assumption  # type: ignore[attr-defined]  # noqa: B018


def test_an_engine_on_the_compiled_matcher_gives_the_same(shipped_engine: Engine, raw: list[dict[str, Value]]) -> None:
    compiled = Engine.on(shipped_engine.rule_base, shipped_engine.program, "compiled")
    assert list(compiled.forecast_many(raw)) == list(shipped_engine.forecast_many(raw))


@pytest.mark.slow
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(drawn=compiled_rule_bases())
def test_random_rule_bases_with_chaining_and_negation(drawn: Compiled) -> None:
    rules, vocabulary, program, drawn_scenarios = drawn
    rule_base = RuleBase(
        directory=Path("."), vocabulary=vocabulary, experts={"e": Expert("E", "tests")}, rules=rules, seeds={}, checks=Checks()
    )
    bulk, resolver, matcher = Bulk(rule_base, program), Resolver(rule_base, program), CompiledMatcher(program)
    for values in drawn_scenarios:
        expected = resolver.resolve(values, matcher.run(values))
        assert bulk.one(values) == expected.summary()
        assert bulk.one(values, trace=True) == expected


# --- wrong scenarios ---------------------------------------------------------------------


class Count(enum.IntEnum):
    THREE = 3


def _bad(base: Mapping[str, Value]) -> dict[str, object]:
    """Wrong scenarios, each as Engine.forecast refuses it."""
    return {
        "yes-for-a-boolean": {**base, "junta_pays": "yes"},
        "one-for-a-boolean": {**base, "junta_pays": 1},
        "misspelt-level": {**base, "kremlin_investment": "hihg"},
        "level-of-another-type": {**base, "kremlin_investment": 2},
        "fraction-for-a-whole-number": {**base, "deadly_clashes": 2.5},
        "bool-for-a-number": {**base, "deadly_clashes": True},
        "out-of-range": {**base, "wagner_fighters": 20_000},
        "not-a-number": {**base, "wagner_fighters": float("nan")},
        "text-for-a-number": {**base, "deadly_clashes": "3"},
        "unhashable": {**base, "kremlin_investment": ["high"]},
        "chances": {**base, "cruel_conduct": {"chance": 0.5}},
        "missing": {name: value for name, value in base.items() if name != "heavy_losses"},
        "unknown": {**base, "heavy_loses": True},
        "two-problems": {**base, "junta_pays": "no", "deadly_clashes": -1},
        "not-a-mapping": [("junta_pays", True)],
        "none": None,
    }


@pytest.mark.parametrize("case", list(_bad({})))
def test_a_wrong_scenario_is_refused_as_forecast_refuses_it(case: str, shipped_engine: Engine, every_class: list[dict[str, Value]]) -> None:
    base = every_class[100]
    wrong = _bad(base)[case]
    with pytest.raises(InputError) as expected:
        shipped_engine.forecast(wrong)  # type: ignore[arg-type]
    rows: list[Any] = [every_class[1], wrong, every_class[2]]
    seen = shipped_engine.forecast_many(rows)
    assert next(seen) == shipped_engine.forecast(every_class[1]).summary()
    with pytest.raises(InputError) as raised:
        next(seen)
    assert str(raised.value) == str(expected.value)
    assert type(raised.value) is type(expected.value)
    kept = list(shipped_engine.forecast_many(rows, errors="yield"))
    assert isinstance(kept[1], InputError) and str(kept[1]) == str(expected.value)
    assert kept[2] == shipped_engine.forecast(every_class[2]).summary(), "the rows after a wrong one go on"


def test_values_the_quick_check_is_unsure_of_are_checked_in_full(shipped_engine: Engine, every_class: list[dict[str, Value]]) -> None:
    """An int subclass is a whole number to `forecast`: the quick check passes it to the full checks, which accept it."""
    values = {**every_class[0], "deadly_clashes": Count.THREE}
    [summary] = shipped_engine.forecast_many([values])
    assert summary == shipped_engine.forecast(values).summary()
    assert summary.facts == shipped_engine.forecast({**values, "deadly_clashes": 3}).facts


def test_a_continuous_number_takes_floats_and_ints() -> None:
    orchard = Engine.open(FIXTURES / "orchard" / "rules")
    space = ScenarioSpace.of(orchard.rule_base)
    rows = [{**space.values(point), "temperature": temperature} for point in space.points() for temperature in (-10, 0.25, 0.5, 30.5, 31)]
    assert list(orchard.forecast_many(rows)) == [orchard.forecast(values).summary() for values in rows]


def test_errors_must_be_raise_or_yield(shipped_engine: Engine) -> None:
    with pytest.raises(InputError, match="expected 'raise' or 'yield'") as raised:
        shipped_engine.forecast_many([], errors="skip")  # type: ignore[call-overload]
    assert raised.value.key == "errors"


def test_several_problems_survive_pickling(shipped_engine: Engine, every_class: list[dict[str, Value]]) -> None:
    """A worker sends a scenario's errors back pickled: all of them, and the same line."""
    with pytest.raises(RuleBaseInvalid) as raised:
        shipped_engine.forecast(_bad(every_class[0])["two-problems"])  # type: ignore[arg-type]
    copy = pickle.loads(pickle.dumps(raised.value))
    assert str(copy) == str(raised.value) and "(and 1 more problem)" in str(copy)
    assert [str(problem) for problem in copy.problems] == [str(problem) for problem in raised.value.problems]


# --- executors ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed(raw: list[dict[str, Value]], every_class: list[dict[str, Value]]) -> list[Any]:
    """Some 400 scenarios, a few of them wrong, at places that chunks of 7 cut across."""
    rows: list[Any] = [*raw, *every_class[:100]]
    cases = ("misspelt-level", "missing", "two-problems", "chances", "not-a-mapping")
    for position, case in zip((0, 13, 14, 250, 399), cases, strict=True):
        rows[position] = _bad(every_class[position])[case]
    return rows


def _shown(results: list[Any]) -> list[Any]:
    return [str(result) if isinstance(result, InputError) else result for result in results]


def test_a_process_pool_gives_the_same_results_in_the_same_order(shipped_engine: Engine, mixed: list[Any]) -> None:
    alone = _shown(list(shipped_engine.forecast_many(mixed, errors="yield")))
    assert sum(isinstance(result, str) for result in alone) == 5
    with ProcessPoolExecutor(max_workers=2) as pool:
        pooled = _shown(list(shipped_engine.forecast_many(mixed, errors="yield", executor=pool, chunk=7)))
        assert pooled == alone
        traced = list(shipped_engine.forecast_many(mixed[1:13], trace=True, executor=pool, chunk=5))
        assert traced == [shipped_engine.forecast(values) for values in mixed[1:13]]
        raising = shipped_engine.forecast_many(mixed[1:], executor=pool, chunk=7)
        before = [next(raising) for _ in range(12)]
        assert before == alone[1:13]
        with pytest.raises(InputError) as raised:
            next(raising)
        assert str(raised.value) == alone[13]


def test_any_executor_will_do(shipped_engine: Engine, mixed: list[Any]) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        threaded = _shown(list(shipped_engine.forecast_many(mixed, errors="yield", executor=pool, chunk=50)))
    assert threaded == _shown(list(shipped_engine.forecast_many(mixed, errors="yield")))


def test_a_generator_is_read_lazily_and_stopping_early_cancels_the_rest(
    shipped_engine: Engine, every_class: list[dict[str, Value]]
) -> None:
    read: list[int] = []

    def rows() -> Any:
        for position, values in enumerate(every_class):
            read.append(position)
            yield values

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = shipped_engine.forecast_many(rows(), executor=pool, chunk=10, ahead=2)
        first = next(results)
        results.close()
    assert first == shipped_engine.forecast(every_class[0]).summary()
    assert len(read) <= 30, "only the chunks in flight were read"


# --- a scenario the engine fails on ----------------------------------------------------------------


class Stubborn(Exception):
    """An exception that pickles but cannot be unpickled (its constructor needs two arguments): a worker could not send it back."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} {second}")


class Unshowable:
    """A value no message can show: whatever tries to print it meets an exception the engine does not foresee."""

    def __repr__(self) -> str:
        raise Stubborn("cannot", "show")

    __str__ = __repr__


def test_a_scenario_the_engine_fails_on_ends_only_its_row(shipped_engine: Engine, every_class: list[dict[str, Value]]) -> None:
    """In this process, in threads and in worker processes: an `EngineFailure` in its place, the others forecast, in order."""
    rows: list[object] = list(every_class[:20])
    rows[7] = {**every_class[7], "kremlin_investment": Unshowable()}
    expected = [shipped_engine.forecast(values).summary() for values in every_class[:20]]
    with ThreadPoolExecutor(max_workers=2) as threads, ProcessPoolExecutor(max_workers=1) as processes:
        for executor in (None, threads, processes):
            results = list(shipped_engine.forecast_many(rows, errors="yield", executor=executor, chunk=3))
            failed = results.pop(7)
            assert isinstance(failed, EngineFailure), executor
            assert str(failed) == "the engine failed on this scenario: Stubborn: cannot show"
            assert results == expected[:7] + expected[8:]
            raising = shipped_engine.forecast_many(rows, executor=executor, chunk=3)
            assert [next(raising) for _ in range(7)] == expected[:7]
            with pytest.raises(EngineFailure, match="Stubborn: cannot show") as raised:
                next(raising)
            if executor is None:  # in this process the cause is kept, for a traceback
                assert isinstance(raised.value.__cause__, Stubborn)


def test_a_failure_in_the_engine_itself_ends_only_the_rows_it_meets(
    shipped_engine: Engine, every_class: list[dict[str, Value]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the evaluation (here made to raise on one scenario) is that row's error, not the run's."""
    real = Bulk.evaluate

    def evaluate(self: Bulk, given: object) -> Any:
        if given == every_class[4]:
            raise ZeroDivisionError("division by zero")
        return real(self, given)

    monkeypatch.setattr(Bulk, "evaluate", evaluate)
    results = list(shipped_engine.forecast_many(every_class[:9], errors="yield"))
    assert [type(result).__name__ for result in results] == ["ForecastSummary"] * 4 + ["EngineFailure"] + ["ForecastSummary"] * 4
    assert str(results[4]) == "the engine failed on this scenario: ZeroDivisionError: division by zero"

"""Measure bulk forecasting: `Engine.forecast_many` against the durable_rules path, per scenario and for 100,000.

    .venv/bin/python benchmarks/bench_batch.py [--scenarios 100000] [--rounds 3]

Every figure is also a ratio to a baseline measured in the same run, on the
same scenarios: one `Engine.forecast` on the durable_rules matcher (match,
resolve, trace), the path a scenario file takes. Ratios compare across
machines; seconds do not.

- per scenario on the shipped rule base: the durable_rules path, the same on
  the compiled matcher, `forecast_many` with traces, and `forecast_many`
  (compiled, stances, no traces). Goal: the last at least 50x faster than
  the first.
- what the summary memory buys: `forecast_many` with it, without it (every
  scenario resolved), and the cost of the alternative key, each variable's
  class (`ScenarioSpace.class_of`), beside checking and matching a scenario.
- 100,000 random scenarios (values anywhere in their ranges, seeded) through
  `forecast_many`: in this process, and with a process pool of two workers.
  Goal: under 2 s in this process.

Prints a table and writes benchmarks/results/bench_batch.json (ignored by git).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import random
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from engine.bulk import Bulk
from engine.language import BooleanKind, LevelKind, NumberKind, Value
from engine.pipeline import Engine
from engine.space import ScenarioSpace

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def random_scenarios(engine: Engine, count: int, seed: int = 0) -> list[dict[str, Value]]:
    """Scenarios with every value drawn anywhere in its variable's range."""
    draw = random.Random(seed)
    rows = []
    for _ in range(count):
        row: dict[str, Value] = {}
        for name, kind in engine.vocabulary.kinds.items():
            if isinstance(kind, BooleanKind):
                row[name] = draw.random() < 0.5
            elif isinstance(kind, LevelKind):
                row[name] = draw.choice(kind.levels)
            elif isinstance(kind, NumberKind) and kind.integer:
                row[name] = draw.randint(int(kind.minimum), int(kind.maximum))
            elif isinstance(kind, NumberKind):
                row[name] = draw.uniform(float(kind.minimum), float(kind.maximum))
        rows.append(row)
    return rows


def per_scenario(function: Callable[[list[dict[str, Value]]], object], scenarios: list[dict[str, Value]], rounds: int) -> float:
    """Best mean seconds per scenario of `function(scenarios)` over `rounds`."""
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        function(scenarios)
        best = min(best, (time.perf_counter() - start) / len(scenarios))
    return best


def each(function: Callable[[dict[str, Value]], object]) -> Callable[[Iterable[dict[str, Value]]], None]:
    def run(scenarios: Iterable[dict[str, Value]]) -> None:
        for values in scenarios:
            function(values)

    return run


def drain(results: Iterable[object]) -> None:
    """Consume results without keeping them, as `each` does: kept, they would slow the garbage collector down, not the work."""
    deque(results, maxlen=0)


def unkept(bulk: Bulk) -> Callable[[list[dict[str, Value]]], None]:
    """`forecast_many`'s work with no memory of summaries: every scenario resolved afresh."""

    def run(scenarios: list[dict[str, Value]]) -> None:
        for values in scenarios:
            checked, flags = bulk.evaluate(values)
            bulk.resolver.summarise(checked, bulk.kept(flags)[2])

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=100_000, help="scenarios in the bulk run (default 100,000)")
    parser.add_argument("--sample", type=int, default=2_000, help="scenarios per per-scenario timing (default 2,000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each timing, best kept (default 3)")
    args = parser.parse_args(argv)

    durable = Engine.open(ROOT / "rules")
    compiled = Engine.open(ROOT / "rules", matcher="compiled")
    sample = random_scenarios(durable, args.sample, seed=1)
    for values in sample[:200]:
        assert next(iter(compiled.forecast_many([values]))) == durable.forecast(values).summary()
    baseline = per_scenario(each(durable.forecast), sample, args.rounds)
    bulk = Bulk(compiled.rule_base, compiled.program)
    space = ScenarioSpace.of(compiled.rule_base)
    names = list(compiled.vocabulary.variables)

    def class_keys(scenarios: list[dict[str, Value]]) -> None:
        for values in scenarios:
            tuple(space.class_of(name, values[name]) for name in names)

    def many(rows: list[dict[str, Value]]) -> None:
        drain(durable.forecast_many(rows))

    def traced(rows: list[dict[str, Value]]) -> None:
        drain(durable.forecast_many(rows, trace=True))

    rows: list[tuple[str, float]] = [
        ("Engine.forecast, durable_rules (baseline)", baseline),
        ("durable_rules matcher alone", per_scenario(each(durable.matcher.run), sample, args.rounds)),
        ("Engine.forecast, compiled matcher", per_scenario(each(compiled.forecast), sample, args.rounds)),
        ("forecast_many(trace=True)", per_scenario(traced, sample, args.rounds)),
        ("forecast_many, no summary memory", per_scenario(unkept(bulk), sample, args.rounds)),
        (
            "forecast_many (compiled, stances, no traces)",
            per_scenario(lambda rows: drain(durable.forecast_many(rows)), sample, args.rounds),
        ),
        ("  of which: check and match (flags)", per_scenario(each(bulk.evaluate), sample, args.rounds)),
        ("  alternative memory key: each variable's class", per_scenario(class_keys, sample, args.rounds)),
    ]
    bulk_rows = random_scenarios(durable, args.scenarios, seed=2)
    start = time.perf_counter()
    results = list(durable.forecast_many(bulk_rows))
    alone = time.perf_counter() - start
    assert len(results) == len(bulk_rows)
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        start = time.perf_counter()
        pooled_results = list(durable.forecast_many(bulk_rows, executor=pool))
        pooled_cold = time.perf_counter() - start
        start = time.perf_counter()
        list(durable.forecast_many(bulk_rows, executor=pool))
        pooled = time.perf_counter() - start
    assert pooled_results == results

    result: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "baseline_forecast_seconds": baseline,
        "per_scenario": [{"what": what, "seconds": seconds, "speedup": baseline / seconds} for what, seconds in rows],
        "bulk": {
            "scenarios": args.scenarios,
            "forecast_many_seconds": alone,
            "forecast_many_in_baselines": alone / baseline,
            "pool_of_2_seconds": pooled,
            "pool_of_2_first_seconds": pooled_cold,
            "durable_path_estimate_seconds": baseline * args.scenarios,
        },
    }
    speedup = baseline / rows[5][1]
    print(f"baseline: one Engine.forecast on durable_rules = {baseline * 1e6:.0f} us (= 1 unit)")
    print()
    print(f"{'per scenario, shipped rule base':<52} {'time':>9} {'speedup':>9}")
    for what, seconds in rows:
        print(f"{what:<52} {seconds * 1e6:>7.1f}us {baseline / seconds:>8.1f}x")
    print()
    print(f"compiled matcher with stances vs the durable_rules path: {speedup:.0f}x (goal: at least 50x)")
    print(
        f"{args.scenarios:,} random scenarios through forecast_many: {alone:.2f} s (goal: under 2 s) = "
        f"{alone / baseline:,.0f} units, the time of {alone / baseline:,.0f} Engine.forecast calls; "
        f"the durable_rules path would take {baseline * args.scenarios:.1f} s"
    )
    print(f"  with a process pool of 2: {pooled:.2f} s ({pooled_cold:.2f} s the first time, starting the workers)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bench_batch.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

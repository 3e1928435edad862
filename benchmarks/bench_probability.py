"""Benchmark probabilistic forecasts against a certain forecast measured in the same run.

    .venv/bin/python benchmarks/bench_probability.py [--rounds 15] [--samples 100000]

Every figure is a ratio against the baseline: one certain scenario
(scenarios/heavy_fighting.yaml) through `Engine.forecast_scenario`, its
forecast and its probabilities, as `forecast SCENARIO` computes them.
Baseline and measured work alternate round by round, so load on the
machine affects both alike; each is the median of its rounds.

- whole space, exact: every variable uncertain over all its values
  (booleans at even chances, levels equally likely, whole numbers
  `{between: [min, max]}`), computed exactly over every class of the
  space. Goal: within 2x of the baseline.
- whole space, words: the same, with every boolean a likelihood word
  ("likely"), so every corner of the word ranges is computed too.
- Monte Carlo: the whole space with `--samples` samples (default 100,000).
  Goal: under 2 s on the shipped rule base; its distance from the exact
  figures in standard errors is reported beside it.

Prints a table and writes benchmarks/results/bench_probability.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.language import BooleanKind, LevelKind, NumberKind
from engine.pipeline import Engine
from engine.resolve.odds import Figure, Probabilities

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def whole_space(engine: Engine, word: str | None = None) -> dict[str, object]:
    """Inputs that leave every value of every variable open."""
    inputs: dict[str, object] = {}
    for name, kind in engine.vocabulary.kinds.items():
        if isinstance(kind, BooleanKind):
            inputs[name] = word if word else {"chance": 0.5}
        elif isinstance(kind, LevelKind):
            inputs[name] = {level: 1 / len(kind.levels) for level in kind.levels}
        elif isinstance(kind, NumberKind) and kind.integer:
            inputs[name] = {"between": [int(kind.minimum), int(kind.maximum)]}
        else:
            assert isinstance(kind, NumberKind)
            inputs[name] = {kind.minimum: 0.5, kind.maximum: 0.5}
    return inputs


def seconds(work: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        work()
    return (time.perf_counter() - start) / calls


def paired(baseline: Callable[[], object], measured: Callable[[], object], rounds: int, calls: tuple[int, int]) -> tuple[float, float]:
    """Median seconds per call of `baseline` and of `measured`, alternating round by round."""
    baseline(), measured()  # warm both: caches, compiled matcher, estimator
    base, work = [], []
    for _ in range(rounds):
        base.append(seconds(baseline, calls[0]))
        work.append(seconds(measured, calls[1]))
    return statistics.median(base), statistics.median(work)


def figures(odds: Probabilities) -> dict[str, Figure]:
    """Every rule and fact figure, by name."""
    return {
        **{f"rule {name}": figure for name, figure in odds.rules.items()},
        **{f"fact {name}": figure for name, figure in odds.facts.items()},
    }


def distance_in_errors(exact: Mapping[str, Figure], estimated: Mapping[str, Figure]) -> float:
    """The largest |estimate - exact| over the figures, in standard errors (figures estimated with no spread skipped)."""
    worst = 0.0
    for name, figure in exact.items():
        guess = estimated[name]
        if guess.se_low:
            worst = max(worst, abs(guess.low - figure.low) / guess.se_low)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--samples", type=int, default=100_000)
    arguments = parser.parse_args()

    engine = Engine.open(ROOT / "rules", ROOT / "seeds", cache=False)
    scenario = engine.read_scenario(ROOT / "scenarios" / "heavy_fighting.yaml")

    def baseline() -> object:
        return engine.forecast_scenario(scenario)

    everything = whole_space(engine)
    worded = whole_space(engine, "likely")
    estimator = engine.estimator()  # the class count, for the report
    from engine.load.scenario import check_inputs

    classes = estimator.support(check_inputs(engine.vocabulary, engine.lexicon(), everything))
    corners = estimator.support(check_inputs(engine.vocabulary, engine.lexicon(), worded))

    rows: list[dict[str, Any]] = []
    base, exact = paired(baseline, lambda: engine.probabilities(everything), arguments.rounds, (20, 10))
    rows.append(
        {"what": f"whole space, exact ({classes} classes)", "seconds": exact, "baseline_s": base, "ratio": exact / base, "goal": 2.0}
    )
    base, words = paired(baseline, lambda: engine.probabilities(worded), arguments.rounds, (20, 2))
    rows.append(
        {"what": f"whole space, booleans as words ({corners} class-corners)", "seconds": words, "baseline_s": base, "ratio": words / base}
    )
    rounds = max(3, arguments.rounds // 5)
    base, sampled = paired(baseline, lambda: engine.probabilities(everything, samples=arguments.samples, seed=1), rounds, (20, 1))
    rows.append(
        {
            "what": f"Monte Carlo, {arguments.samples:,} samples",
            "seconds": sampled,
            "baseline_s": base,
            "ratio": sampled / base,
            "goal_seconds": 2.0,
            "worst_distance_in_standard_errors": distance_in_errors(
                figures(engine.probabilities(everything)), figures(engine.probabilities(everything, samples=arguments.samples, seed=1))
            ),
        }
    )

    print("baseline: one certain forecast with its probabilities (heavy_fighting), measured beside each row")
    print(f"{'measured':<58} {'ms':>9} {'baseline':>9} {'ratio':>8}  goal")
    for row in rows:
        goal = f"<= {row['goal']}x" if "goal" in row else (f"< {row['goal_seconds']} s" if "goal_seconds" in row else "")
        print(f"{row['what']:<58} {row['seconds'] * 1000:>9.2f} {row['baseline_s'] * 1000:>9.2f} {row['ratio']:>7.2f}x  {goal}")
    print(f"Monte Carlo lands within {rows[-1]['worst_distance_in_standard_errors']:.2f} standard errors of the exact figures")
    RESULTS.mkdir(parents=True, exist_ok=True)
    report = {"python": sys.version.split()[0], "machine": platform.machine(), "rounds": arguments.rounds, "rows": rows}
    (RESULTS / "bench_probability.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

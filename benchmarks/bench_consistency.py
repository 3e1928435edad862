"""Measure the consistency check: the shipped rule base, and how cost grows with variables.

    .venv/bin/python benchmarks/bench_consistency.py [--max-exhaustive 12] [--sampled 16,24,32]

Every time is also given as a ratio to a baseline measured in the same run:
the mean time of one engine evaluation (`Engine.forecast`) of a shipped
scenario. Ratios compare across machines; seconds do not.

Growth is measured on synthetic rule bases with n boolean variables and
three analyst rules per variable (a fact, a stance that uses it, and a stance
that can clash with it), so n variables make 2**n scenario classes. Up to
`--max-exhaustive` variables the check is exhaustive; the `--sampled` sizes
are above the default limit of 50,000 classes (n >= 16), so hypothesis runs:
its cost is bounded by `max_examples`, not by the space.

Prints a table and writes JSON to benchmarks/results/bench_consistency.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.consistency import run_consistency
from engine.pipeline import Engine
from engine.space import ScenarioSpace

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def baseline_seconds(engine: Engine, rounds: int = 3) -> float:
    """Mean seconds of one `Engine.forecast` over every shipped scenario class, best of `rounds`."""
    space = ScenarioSpace.of(engine.rule_base)
    scenarios = [space.values(point) for point in space.points()]
    engine.forecast(scenarios[0])  # warm up
    means = []
    for _ in range(rounds):
        start = time.perf_counter()
        for values in scenarios:
            engine.forecast(values)
        means.append((time.perf_counter() - start) / len(scenarios))
    return min(means)


def synthetic_rule_base(directory: Path, variables: int) -> Path:
    """Write a rule base with `variables` booleans and three analyst rules each; return its rules dir."""
    rules = directory / "rules"
    rules.mkdir(parents=True)
    (directory / "seeds").mkdir()
    names = [f"v{index}" for index in range(variables)]
    vocabulary = ["variables:"]
    for name in names:
        vocabulary += [f"  {name}:", "    type: boolean", f"    meaning: Synthetic switch {name}."]
    vocabulary.append("facts:")
    for index in range(variables):
        vocabulary += [f"  f{index}:", f"    meaning: Derived from v{index}."]
    vocabulary.append("questions:")
    for index in range(3):
        vocabulary += [f"  q{index}:", f"    text: Synthetic question {index}?", "    outcomes: [low, mid, high]"]
    (rules / "vocabulary.yaml").write_text("\n".join(vocabulary) + "\n", encoding="utf-8")
    (rules / "lexicons").mkdir()
    plain = ROOT / "tests" / "fixtures" / "picnic" / "rules" / "lexicons" / "plain.yaml"
    (rules / "lexicons" / "plain.yaml").write_text(plain.read_text(encoding="utf-8"), encoding="utf-8")
    (rules / "experts.yaml").write_text(
        "experts:\n  analyst:\n    name: Analyst\n    affiliation: Benchmark\n    kind: analyst\n", encoding="utf-8"
    )
    lines = ["rules:"]
    for index in range(variables):
        after, later = names[(index + 1) % variables], names[(index + 2) % variables]
        question = f"q{index % 3}"
        lines += [
            f"  - id: analyst.fact{index}",
            "    expert: analyst",
            "    assumption: synthetic",
            f"    when: {{var: v{index}, is: true}}",
            f"    then: {{fact: f{index}}}",
            f"  - id: analyst.up{index}",
            "    expert: analyst",
            "    assumption: synthetic",
            f"    when: {{all: [{{fact: f{index}}}, {{var: {after}, is: false}}]}}",
            f"    then: {{question: {question}, is_not: low}}",
            f"  - id: analyst.down{index}",
            "    expert: analyst",
            "    assumption: synthetic",
            f"    when: {{all: [{{var: v{index}, is: false}}, {{var: {later}, is: true}}]}}",
            f"    then: {{question: {question}, is: low}}",
        ]
    (rules / "analyst.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rules


def measure(engine: Engine, baseline: float, **options: Any) -> dict[str, Any]:
    start = time.perf_counter()
    report = run_consistency(engine, **options)
    wall = time.perf_counter() - start
    per_scenario = wall / report.scenarios_tried
    return {
        "method": report.method,
        "classes": report.space_classes,
        "raw": report.space_raw,
        "scenarios_tried": report.scenarios_tried,
        "findings": len(report.findings),
        "wall_seconds": wall,
        "per_scenario_seconds": per_scenario,
        "wall_in_baselines": wall / baseline,
        "per_scenario_in_baselines": per_scenario / baseline,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-exhaustive", type=int, default=12, help="largest synthetic size searched exhaustively (2**n classes)")
    parser.add_argument("--sampled", default="16,24,32", help="synthetic sizes above the limit, searched by hypothesis (comma-separated)")
    args = parser.parse_args(argv)

    shipped = Engine.open(ROOT / "rules")
    baseline = baseline_seconds(shipped)
    result: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "baseline_forecast_seconds": baseline,
        "shipped": measure(shipped, baseline),
        "growth": [],
    }

    sizes = [*range(2, args.max_exhaustive + 1, 2), *(int(n) for n in args.sampled.split(",") if n.strip())]
    for variables in sizes:
        with tempfile.TemporaryDirectory() as directory:
            engine = Engine.open(synthetic_rule_base(Path(directory), variables))
            row = measure(engine, baseline)
            row["variables"] = variables
            row["rules"] = len(engine.rule_base.rules)
            row["forecast_seconds"] = statistics.mean(_forecast_times(engine))
            result["growth"].append(row)
            print(f"  measured {variables} variables ({row['method']})", file=sys.stderr)

    print(render(result))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bench_consistency.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {out.relative_to(ROOT)}")
    return 0


def _forecast_times(engine: Engine, samples: int = 200) -> list[float]:
    """Seconds of single evaluations of this rule base, on `samples` classes drawn with a fixed seed."""
    space = ScenarioSpace.of(engine.rule_base)
    draw = random.Random(0)
    times = []
    for _ in range(samples):
        values = space.values(tuple(draw.randrange(len(options)) for options in space.classes.values()))
        start = time.perf_counter()
        engine.forecast(values)
        times.append(time.perf_counter() - start)
    return times


def render(result: dict[str, Any]) -> str:
    baseline = result["baseline_forecast_seconds"]
    shipped = result["shipped"]
    lines = [
        f"baseline: one Engine.forecast of a shipped scenario = {baseline * 1000:.2f} ms (= 1 unit below)",
        "",
        "shipped rule base (rules/)",
        f"  scenario space   {shipped['classes']:,} classes, {shipped['raw']:,} raw scenarios",
        f"  search           {shipped['method']}, {shipped['scenarios_tried']:,} scenarios tried",
        f"  full check       {shipped['wall_seconds']:.2f} s = {shipped['wall_in_baselines']:,.0f} units",
        f"  per scenario     {shipped['per_scenario_seconds'] * 1000:.2f} ms = {shipped['per_scenario_in_baselines']:.2f} units",
        "",
        "growth with boolean variables (3 rules each)",
        (
            f"  {'vars':>4} {'rules':>5} {'classes':>14} {'method':>10} {'tried':>7} {'check s':>8} {'units':>9} "
            f"{'units/tried':>11} {'forecast':>9}"
        ),
    ]
    for row in result["growth"]:
        lines.append(
            f"  {row['variables']:>4} {row['rules']:>5} {row['classes']:>14,} {row['method']:>10} {row['scenarios_tried']:>7,} "
            f"{row['wall_seconds']:>8.2f} {row['wall_in_baselines']:>9,.0f} {row['per_scenario_in_baselines']:>11.2f} "
            f"{row['forecast_seconds'] / baseline:>8.2f}u"
        )
    lines += [
        "",
        "units/tried: check time per scenario tried, in baselines (engine runs for promises, shrinking and",
        "bookkeeping included); forecast: one Engine.forecast of that rule base, in baselines.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark the `forecast` command and per-scenario evaluation.

Every figure is reported as a ratio against a baseline measured in the same
run, on the same machine, interleaved with the measured command so that
load on the machine affects both alike:

- command: `forecast scenarios/heavy_fighting.yaml` (and other commands)
  against the bare import floor `python -c "import click, pydantic, yaml,
  durable.lang"`. Goal: within 1.5x.
- evaluation: one scenario through the durable_rules matcher, and through
  the whole pipeline (match + resolve + trace), against the plain-Python
  reference model of the same program (tests/reference.py).
- memory: resident set size after 1,000 and after 10,000 scenarios.

Usage: python benchmarks/bench_cli.py [--runs 15] [--scenarios 2000]
Writes benchmarks/results/bench_cli.json (ignored by git) and prints a table.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FLOOR = [sys.executable, "-c", "import click, pydantic, yaml, durable.lang"]
# The floor plus the least use of pydantic a validating loader makes: one model.
# `import pydantic` alone is lazy; the first model pulls in its machinery.
ONE_MODEL = [
    sys.executable,
    "-c",
    "import click, pydantic, yaml, durable.lang\nclass A(pydantic.BaseModel):\n    x: str = pydantic.Field(min_length=1)\nA(x='a')",
]


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def command_ratios(runs: int) -> list[dict[str, object]]:
    forecast = str(BIN / "forecast")
    commands = {
        "floor + one pydantic model": ONE_MODEL,
        "forecast scenarios/heavy_fighting.yaml": [forecast, "scenarios/heavy_fighting.yaml"],
        "forecast ... --format json": [forecast, "scenarios/heavy_fighting.yaml", "--format", "json"],
        "forecast check": [forecast, "check"],
    }
    for command in [FLOOR, *commands.values()]:
        wall(command)  # warm the file cache and .pyc files
    floor: list[float] = []
    timings: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        floor.append(wall(FLOOR))
        for name, command in commands.items():
            timings[name].append(wall(command))
    base = statistics.median(floor)
    rows: list[dict[str, object]] = [{"what": "import floor (click, pydantic, yaml, durable.lang)", "median_s": base, "ratio": 1.0}]
    for name, values in timings.items():
        rows.append({"what": name, "median_s": statistics.median(values), "ratio": statistics.median(values) / base})
    return rows


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def evaluation_ratios(count: int) -> tuple[list[dict[str, object]], dict[str, int]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from reference import ReferenceMatcher  # type: ignore[import-not-found]

    from engine.model import BooleanVariable, LevelVariable
    from engine.pipeline import Engine

    engine = Engine.open(ROOT / "rules")
    vocabulary = engine.rule_base.vocabulary
    domains = []
    for name, variable in vocabulary.variables.items():
        if isinstance(variable, BooleanVariable):
            domains.append([(name, False), (name, True)])
        elif isinstance(variable, LevelVariable):
            domains.append([(name, level) for level in variable.levels])
        else:
            domains.append([(name, variable.min), (name, (variable.min + variable.max) // 2), (name, variable.max)])
    space = [dict(choice) for choice in itertools.product(*domains)]
    scenarios = [space[index % len(space)] for index in range(count)]
    reference = ReferenceMatcher(engine.program)

    def per_scenario(function: object) -> float:
        start = time.perf_counter()
        for values in scenarios:
            function(values)  # type: ignore[operator]
        return (time.perf_counter() - start) / len(scenarios)

    for values in scenarios[:50]:
        assert engine.matcher.run(values) == reference.run(values)
    base = min(per_scenario(reference.run) for _ in range(3))
    matched = min(per_scenario(engine.matcher.run) for _ in range(3))
    full = min(per_scenario(engine.forecast) for _ in range(3))
    rows: list[dict[str, object]] = [
        {"what": "reference model, plain Python (baseline)", "per_scenario_us": base * 1e6, "ratio": 1.0},
        {"what": "durable_rules matcher", "per_scenario_us": matched * 1e6, "ratio": matched / base},
        {"what": "full forecast (match, resolve, trace)", "per_scenario_us": full * 1e6, "ratio": full / base},
    ]
    memory = {"rss_kb_start": rss_kb()}
    for index in range(10_000):
        engine.matcher.run(space[index % len(space)])
        if index == 999:
            memory["rss_kb_after_1000"] = rss_kb()
    memory["rss_kb_after_10000"] = rss_kb()
    return rows, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument("--scenarios", type=int, default=2000, help="scenarios per evaluation timing (default 2000)")
    args = parser.parse_args()

    commands = command_ratios(args.runs)
    evaluation, memory = evaluation_ratios(args.scenarios)
    print(f"{'command':<58} {'median':>9} {'ratio':>7}")
    for row in commands:
        print(f"{row['what']:<58} {row['median_s'] * 1000:>7.0f}ms {row['ratio']:>6.2f}x")
    print()
    print(f"{'evaluation, per scenario':<58} {'time':>9} {'ratio':>7}")
    for row in evaluation:
        print(f"{row['what']:<58} {row['per_scenario_us']:>7.0f}us {row['ratio']:>6.1f}x")
    print()
    growth = memory["rss_kb_after_10000"] - memory["rss_kb_after_1000"]
    after_1000, after_10000 = memory["rss_kb_after_1000"] / 1024, memory["rss_kb_after_10000"] / 1024
    print(f"memory: RSS {after_1000:.1f} MB after 1,000 scenarios, {after_10000:.1f} MB after 10,000 ({growth:+d} KB)")
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "bench_cli.json").write_text(json.dumps({"commands": commands, "evaluation": evaluation, "memory": memory}, indent=2) + "\n")


if __name__ == "__main__":
    main()

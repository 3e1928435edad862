"""Benchmark the exploring commands against a plain forecast of the same scenario.

Every figure is a ratio against a baseline measured in the same run, on the
same machine, interleaved with the measured commands so that load on the
machine affects all alike:

- baseline: `forecast scenarios/heavy_fighting.yaml` (durable_rules, the
  default matcher), the whole command;
- `forecast flips scenarios/heavy_fighting.yaml` (every question, singles
  and pairs) and `forecast sweep scenarios/heavy_fighting.yaml --vary VAR`
  with one variable and with two. Goal: each within 2x of the baseline;
- for information, `forecast check --coverage` against `forecast check`.

The commands run as an installed tool runs (`python -m engine` from the
repository, so the checkout's code is what runs): with bytecode caches
allowed (PYTHONDONTWRITEBYTECODE is removed from their environment; the
warm-up writes them) and with a rule base cache of the benchmark's own,
warmed before timing. Medians are compared.

Usage: python benchmarks/bench_explore.py [--runs 15]
Writes benchmarks/results/bench_explore.json (ignored by git) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 2.0
SCENARIO = "scenarios/heavy_fighting.yaml"
FORECAST = [sys.executable, "-m", "engine"]
BASELINE = ("forecast scenarios/heavy_fighting.yaml", [*FORECAST, SCENARIO])
MEASURED = {
    "forecast flips scenarios/heavy_fighting.yaml": [*FORECAST, "flips", SCENARIO],
    "forecast sweep ... --vary deadly_clashes": [*FORECAST, "sweep", SCENARIO, "--vary", "deadly_clashes"],
    "forecast sweep ... --vary deadly_clashes,kremlin_investment": [
        *FORECAST,
        "sweep",
        SCENARIO,
        "--vary",
        "deadly_clashes,kremlin_investment",
    ],
}
GOALS = frozenset(MEASURED)
CHECK = ("forecast check", [*FORECAST, "check"])
COVERAGE = {"forecast check --coverage": [*FORECAST, "check", "--coverage"]}


def run(command: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one run of `command`."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed (exit {result.returncode})")
    return elapsed


def ratios(baseline: tuple[str, list[str]], measured: dict[str, list[str]], runs: int, env: dict[str, str]) -> list[dict[str, object]]:
    """Median wall time of each command and its ratio to the baseline's median, all interleaved run by run."""
    commands = [baseline, *measured.items()]
    for _, command in commands:
        run(command, env)  # warm the file cache, write .pyc files and the rule base cache
    timings: dict[str, list[float]] = {name: [] for name, _ in commands}
    for _ in range(runs):
        for name, command in commands:
            timings[name].append(run(command, env))
    base = statistics.median(timings[baseline[0]])
    return [
        {"what": name, "median_s": statistics.median(values), "ratio": statistics.median(values) / base, "baseline": name == baseline[0]}
        for name, values in timings.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-explore-") as workspace:
        env = {name: value for name, value in os.environ.items() if name not in ("PYTHONDONTWRITEBYTECODE", "COLUMNS")}
        env["FORECAST_CACHE_DIR"] = str(Path(workspace) / "cache")
        explore = ratios(BASELINE, MEASURED, args.runs, env)
        coverage = ratios(CHECK, COVERAGE, args.runs, env)
    print(f"{'command':<62} {'median':>9} {'ratio':>7}  goal")
    for row in [*explore, *coverage]:
        goal = ""
        if row["what"] in GOALS:
            goal = f"<= {GOAL:g}x " + ("ok" if float(row["ratio"]) <= GOAL else "MISSED")  # type: ignore[arg-type]
        marker = "  (baseline)" if row["baseline"] else ""
        print(f"{row['what']:<62} {float(row['median_s']) * 1000:>7.0f}ms {float(row['ratio']):>6.2f}x  {goal}{marker}")  # type: ignore[arg-type]
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "bench_explore.json").write_text(json.dumps({"explore": explore, "coverage": coverage, "goal": GOAL}, indent=2) + "\n")


if __name__ == "__main__":
    main()

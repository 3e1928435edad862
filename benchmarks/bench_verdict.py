"""What the one verdict costs: this checkout against a previous commit, on the same inputs, in the same run.

    .venv/bin/python benchmarks/bench_verdict.py [--baseline 096c50f] [--rounds 15]

The previous commit's `engine/` is exported with `git archive` into a
temporary folder, and both engines run the same rule base: the shipped base
as forecast 1.x had it (tests/fixtures/v1), which both can read. Each figure
is a median over paired runs, the two engines alternating, each in a fresh
process started in the engine's folder (so `PYTHONPATH` and the working
folder pick the engine, not an installed one; the process prints which it ran):

- start-up: `forecast heavy_fighting.yaml` (its `expect:` left out, which the
  two versions write differently), cache warm, the whole command timed;
- bulk: `Engine.forecast_many` over 20,000 random scenarios, per scenario;
- consistency: `run_consistency` on the 16-variable base (the v1 base twice
  over, 331,776 classes), exhaustive.

Goals (issue 13): start-up within 1.1x, bulk and consistency within 1.5x.
Prints a table and writes JSON to benchmarks/results/bench_verdict.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
V1 = ROOT / "tests" / "fixtures" / "v1"
RESULTS = ROOT / "benchmarks" / "results"
GOALS = {"start-up": 1.1, "bulk": 1.5, "consistency": 1.5}

BULK = """
import random, sys, time
import engine
from engine.pipeline import Engine
from engine.space import ScenarioSpace
found = Engine.open(sys.argv[1], cache=False)
space = ScenarioSpace.of(found.rule_base)
points = space.points()
rng = random.Random(7)
rows = [space.values(rng.choice(points)) for _ in range(20_000)]
list(found.forecast_many(rows[:2_000]))
times = []
for _ in range(3):
    start = time.perf_counter()
    list(found.forecast_many(rows))
    times.append(time.perf_counter() - start)
print(engine.__file__)
print(min(times) / len(rows))
"""

CONSISTENCY = """
import sys, time
import engine
from engine.consistency import run_consistency
from engine.pipeline import Engine
found = Engine.open(sys.argv[1], matcher="compiled", cache=False)
start = time.perf_counter()
report = run_consistency(found)
took = time.perf_counter() - start
assert report.method == "exhaustive", report.method
print(engine.__file__)
print(took)
"""


def export(commit: str, into: Path) -> Path:
    """The commit's engine/ under `into`; returns `into`, to put on PYTHONPATH."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "engine"], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def environment(code: Path, cache: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code), "FORECAST_CACHE_DIR": str(cache), "COLUMNS": "100"}


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=env["PYTHONPATH"])
    return time.perf_counter() - start


def reported(script: str, argument: Path, env: dict[str, str], code: Path) -> float:
    """Run `script` in a fresh process; it prints the engine it imported, then its figure."""
    out = subprocess.run(
        [sys.executable, "-c", script, str(argument)], env=env, check=True, capture_output=True, text=True, cwd=code
    ).stdout
    where, figure = out.strip().splitlines()[-2:]
    assert Path(where).resolve().is_relative_to(code.resolve()), f"ran {where}, not the engine under {code}"
    return float(figure)


def doubled(into: Path) -> Path:
    """The v1 base twice over (benchmarks/bench_consistency.py's doubling), in `into`; returns its rules folder."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_consistency

    bench_consistency.ROOT = V1  # double the v1 base, which both engines read
    return bench_consistency.doubled_rule_base(into)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="096c50f", help="the commit to compare with (default: the last one before the verdict)")
    parser.add_argument("--rounds", type=int, default=15, help="paired start-up runs (bulk and consistency run a third as many)")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        (work / "baseline").mkdir()
        versions = {"baseline": export(options.baseline, (work / "baseline").resolve()), "current": ROOT}
        scenario = work / "heavy_fighting.yaml"
        scenario.write_text((V1 / "scenarios" / "heavy_fighting.yaml").read_text(encoding="utf-8").split("\nexpect:", 1)[0] + "\n")
        envs = {name: environment(code, work / f"cache-{name}") for name, code in versions.items()}
        rules = V1 / "rules"
        big = doubled(work / "doubled")
        run = [sys.executable, "-m", "engine", str(scenario), "--rules", str(rules)]
        for name in versions:
            timed(run, envs[name])  # warm the cache
        figures: dict[str, dict[str, list[float]]] = {measure: {name: [] for name in versions} for measure in GOALS}
        for round_ in range(options.rounds):
            order = list(versions) if round_ % 2 == 0 else list(reversed(versions))
            for name in order:
                figures["start-up"][name].append(timed(run, envs[name]))
                if round_ % 3 == 0:
                    figures["bulk"][name].append(reported(BULK, rules, envs[name], versions[name]))
                    figures["consistency"][name].append(reported(CONSISTENCY, big, envs[name], versions[name]))
        shutil.rmtree(work / "doubled", ignore_errors=True)
    rows = []
    for measure, goal in GOALS.items():
        base, now = (statistics.median(figures[measure][name]) for name in ("baseline", "current"))
        rows.append(
            {
                "measure": measure,
                "baseline": base,
                "current": now,
                "ratio": now / base,
                "goal": goal,
                "runs": len(figures[measure]["current"]),
            }
        )
    unit = {"start-up": "s", "bulk": "us a scenario", "consistency": "s"}
    scale = {"start-up": 1.0, "bulk": 1e6, "consistency": 1.0}
    print(f"the one verdict against {options.baseline}, medians of paired runs ({platform.python_version()}, {os.cpu_count()} cores)")
    for row in rows:
        measure = str(row["measure"])
        print(
            f"  {measure:<12} {row['baseline'] * scale[measure]:9.3f} -> {row['current'] * scale[measure]:9.3f} {unit[measure]:<14}"
            f" {row['ratio']:.2f}x (goal {row['goal']}x, {row['runs']} runs each)"
        )
    RESULTS.mkdir(exist_ok=True)
    result: dict[str, Any] = {"baseline": options.baseline, "python": platform.python_version(), "rows": rows}
    (RESULTS / "bench_verdict.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark the `forecast` command's start-up and per-scenario evaluation.

Every figure is a ratio against a baseline measured in the same run, on the
same machine, interleaved with the measured command so that load on the
machine affects both alike:

- command: `forecast scenarios/heavy_fighting.yaml` (and other commands)
  against the bare import floor `python -c "import click, pydantic, yaml,
  durable.lang"`. Goal: within 1.3x with the rule base in the cache (a hit);
  a miss (an empty cache directory for every run) is shown beside it. Peak
  memory (maximum resident set size) is compared the same way.
- evaluation: one scenario through the durable_rules matcher, and through
  the whole pipeline (match + resolve + trace), against the plain-Python
  reference model of the same program (tests/reference.py).
- memory: resident set size after 1,000 and after 10,000 scenarios.

The commands run as an installed tool runs: with bytecode caches allowed
(PYTHONDONTWRITEBYTECODE is removed from their environment; the warm-up
writes them) and with a cache directory of the benchmark's own.

Usage: python benchmarks/bench_cli.py [--runs 15] [--scenarios 2000]
Writes benchmarks/results/bench_cli.json (ignored by git) and prints a table.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FLOOR = [sys.executable, "-c", "import click, pydantic, yaml, durable.lang"]


def run(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak resident set size (KB) of one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed")
    return elapsed, usage.ru_maxrss


def command_ratios(runs: int, workspace: Path) -> list[dict[str, object]]:
    forecast = str(BIN / "forecast")
    base_env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    cached = {**base_env, "FORECAST_CACHE_DIR": str(workspace / "cache")}
    fresh = itertools.count()

    def missing() -> dict[str, str]:
        return {**base_env, "FORECAST_CACHE_DIR": str(workspace / f"empty-{next(fresh)}")}

    commands: dict[str, tuple[list[str], Callable[[], dict[str, str]]]] = {
        "forecast scenarios/heavy_fighting.yaml (cache hit)": ([forecast, "scenarios/heavy_fighting.yaml"], lambda: cached),
        "forecast scenarios/heavy_fighting.yaml (cache miss)": ([forecast, "scenarios/heavy_fighting.yaml"], missing),
        "forecast ... --format json (cache hit)": ([forecast, "scenarios/heavy_fighting.yaml", "--format", "json"], lambda: cached),
        "forecast check": ([forecast, "check"], lambda: cached),
    }
    for command, env in [(FLOOR, lambda: base_env), *commands.values()]:
        run(command, env())  # warm the file cache, write .pyc files and the rule base cache
    floor: list[tuple[float, int]] = []
    timings: dict[str, list[tuple[float, int]]] = {name: [] for name in commands}
    for _ in range(runs):
        floor.append(run(FLOOR, base_env))
        for name, (command, env) in commands.items():
            timings[name].append(run(command, env()))
    base = statistics.median(seconds for seconds, _ in floor)
    base_kb = statistics.median(kb for _, kb in floor)
    rows: list[dict[str, object]] = [
        {
            "what": "import floor (click, pydantic, yaml, durable.lang)",
            "median_s": base,
            "ratio": 1.0,
            "peak_kb": base_kb,
            "memory_ratio": 1.0,
        }
    ]
    for name, values in timings.items():
        seconds = statistics.median(value for value, _ in values)
        kb = statistics.median(kb for _, kb in values)
        rows.append({"what": name, "median_s": seconds, "ratio": seconds / base, "peak_kb": kb, "memory_ratio": kb / base_kb})
    return rows


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def evaluation_ratios(count: int) -> tuple[list[dict[str, object]], dict[str, int]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from reference import ReferenceMatcher

    from engine.language import NumberKind
    from engine.pipeline import Engine

    engine = Engine.open(ROOT / "rules", cache=False)
    domains = []
    for name, kind in engine.vocabulary.kinds.items():
        if isinstance(kind, NumberKind):
            domains.append([(name, value) for value in (kind.minimum, (kind.minimum + kind.maximum) // 2, kind.maximum)])
        else:
            domains.append([(name, value) for value in kind.representatives(())])
    space = [dict(choice) for choice in itertools.product(*domains)]
    scenarios = [space[index % len(space)] for index in range(count)]
    reference = ReferenceMatcher(engine.program)

    def per_scenario(function: Callable[[dict[str, object]], object]) -> float:
        start = time.perf_counter()
        for values in scenarios:
            function(values)
        return (time.perf_counter() - start) / len(scenarios)

    for values in scenarios[:50]:
        assert engine.matcher.run(values) == reference.run(values)
    base = min(per_scenario(reference.run) for _ in range(3))
    matched = min(per_scenario(engine.matcher.run) for _ in range(3))
    full = min(per_scenario(engine.forecast) for _ in range(3))
    rows: list[dict[str, object]] = [
        {"what": "reference model, plain Python (baseline)", "per_scenario_us": base * 1e6, "ratio": 1.0},
        {"what": "durable_rules matcher", "per_scenario_us": matched * 1e6, "ratio": matched / base},
        {"what": "full forecast (check, match, resolve, trace)", "per_scenario_us": full * 1e6, "ratio": full / base},
    ]
    memory = {"rss_kb_start": rss_kb()}
    for index in range(10_000):
        engine.matcher.run(space[index % len(space)])
        if index == 999:
            memory["rss_kb_after_1000"] = rss_kb()
    memory["rss_kb_after_10000"] = rss_kb()
    memory["peak_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rows, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument("--scenarios", type=int, default=2000, help="scenarios per evaluation timing (default 2000)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-cli-") as workspace:
        commands = command_ratios(args.runs, Path(workspace))
    evaluation, memory = evaluation_ratios(args.scenarios)
    print(f"{'command':<58} {'median':>9} {'ratio':>7} {'peak RSS':>10} {'ratio':>7}")
    for row in commands:
        print(
            f"{row['what']:<58} {row['median_s'] * 1000:>7.0f}ms {row['ratio']:>6.2f}x "
            f"{row['peak_kb'] / 1024:>8.1f}MB {row['memory_ratio']:>6.2f}x"
        )
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

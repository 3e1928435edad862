"""Benchmark how the `forecast` command grows with the rule base: 100, 1,000 and 5,000 rules.

Each size is a synthetic rule base (tests/synthetic.py: the wide mix of
tests, 12 variables, seed 0) with one scenario. For each size:

- start-up on a cache miss: `forecast list variables` with an empty cache
  directory for every run (load, validate, compile, check the limits, write
  the cache entry, open the matcher);
- start-up on a cache hit: the same command with the entry in the cache;
- `forecast check` (validates everything, never uses the cache);
- one forecast: `forecast scenarios/s1.yaml` on a cache hit;
- the limits check itself (`engine.matching.limits.program_problems`), in
  process, on the compiled program;
- `forecast check --consistency`, with its peak memory (`--consistency-runs`
  runs each, 1 by default: at 5,000 rules one takes minutes). The synthetic
  spaces are far past the exhaustive limit, so this is the sampled search:
  1,000 scenarios drawn, every finding shrunk. It exits 1, having found
  what a random rule base holds.

Every figure is a median; each is also given as a ratio to the same figure
at 100 rules, measured in the same run (the commands of every size take
turns, so load on the machine affects them alike), and its growth as the
exponent k of a least-squares fit time ~ rules^k. The shipped rule base's
limits check is set against the bare import floor (`python -c "import
click, pydantic, yaml, durable.lang"`) and its cache-hit start-up.

The commands run as an installed tool runs: with bytecode caches allowed
(PYTHONDONTWRITEBYTECODE is removed from their environment) and the engine
of this checkout first on the path.

Usage: python benchmarks/bench_scale.py [--runs 5] [--consistency-runs 1]
Writes benchmarks/results/bench_scale.json and prints a table.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (100, 1000, 5000)
FLOOR = [sys.executable, "-c", "import click, pydantic, yaml, durable.lang"]
FORECAST = [sys.executable, "-m", "engine"]
COMMANDS: dict[str, tuple[list[str], bool]] = {
    "start-up, cache miss": (["list", "variables"], False),
    "start-up, cache hit": (["list", "variables"], True),
    "forecast check": (["check"], True),
    "one forecast (cache hit)": (["scenarios/s1.yaml"], True),
}
"""What each measured command runs, and whether the cache is warm for it."""


def run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall seconds of one run of `command`, which must succeed."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} in {cwd} failed: {result.stderr.decode(errors='replace')}")
    return elapsed


PEAK = """
import resource, runpy, sys
sys.argv = ["forecast", *sys.argv[2:]]
try:
    runpy.run_module("engine", run_name="__main__")
finally:
    with open({path!r}, "w") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
"""
"""Runs the command in this interpreter and writes its peak resident memory (KiB, Linux) to a file."""


def consistency_medians(runs: int, workspace: Path) -> tuple[dict[int, float], dict[int, float]]:
    """`check --consistency` at each size: median wall seconds and peak MiB (exit 1, findings, is its normal end)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    seconds: dict[int, list[float]] = {size: [] for size in SIZES}
    peaks: dict[int, list[float]] = {size: [] for size in SIZES}
    for _ in range(runs):
        for size in SIZES:
            peak_file = workspace / f"peak-{size}"
            command = [sys.executable, "-c", PEAK.format(path=str(peak_file)), "-", "check", "--consistency"]
            size_env = {**env, "PYTHONPATH": str(ROOT), "FORECAST_CACHE_DIR": str(workspace / "cache" / str(size))}
            start = time.perf_counter()
            result = subprocess.run(command, cwd=workspace / str(size), env=size_env, capture_output=True, check=False)
            seconds[size].append(time.perf_counter() - start)
            if result.returncode not in (0, 1) or not result.stdout.startswith(b"ok:"):
                raise SystemExit(f"check --consistency at {size} rules failed: {result.stderr.decode(errors='replace')}")
            peaks[size].append(int(peak_file.read_text()) / 1024)
    return (
        {size: statistics.median(values) for size, values in seconds.items()},
        {size: statistics.median(values) for size, values in peaks.items()},
    )


def in_process(function: Callable[[], object], repeat: int) -> float:
    """The median wall seconds of `function()` over `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def exponent(sizes: tuple[int, ...], seconds: list[float]) -> float:
    """The slope of log(seconds) against log(size), least squares."""
    xs = [math.log(size) for size in sizes]
    ys = [math.log(value) for value in seconds]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum((x - mean_x) ** 2 for x in xs)


def command_medians(runs: int, workspace: Path) -> dict[str, dict[int, float]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from synthetic import write_rule_base, write_scenario

    base_env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    base_env["PYTHONPATH"] = str(ROOT)
    fresh = itertools.count()
    for size in SIZES:
        write_rule_base(workspace / str(size), size, seed=0)
        write_scenario(workspace / str(size), "s1", seed=1)

    def env(size: int, warm: bool) -> dict[str, str]:
        cache = workspace / "cache" / str(size) if warm else workspace / "empty" / str(next(fresh))
        return {**base_env, "FORECAST_CACHE_DIR": str(cache)}

    for size in SIZES:  # write .pyc files, warm the file cache and fill each size's cache entry
        for arguments, warm in COMMANDS.values():
            run(FORECAST + arguments, workspace / str(size), env(size, warm))
    timings: dict[str, dict[int, list[float]]] = {name: {size: [] for size in SIZES} for name in COMMANDS}
    for _ in range(runs):
        for size in SIZES:
            for name, (arguments, warm) in COMMANDS.items():
                timings[name][size].append(run(FORECAST + arguments, workspace / str(size), env(size, warm)))
    return {name: {size: statistics.median(values) for size, values in by_size.items()} for name, by_size in timings.items()}


def limits_medians(workspace: Path) -> tuple[dict[int, float], dict[str, float]]:
    """The limits check on each size's program, and on the shipped rule base beside its start-up and the import floor."""
    from engine.matching.compile import compile_rule_base
    from engine.matching.limits import program_problems
    from engine.pipeline import load_valid

    by_size = {}
    for size in SIZES:
        program = compile_rule_base(load_valid(workspace / str(size) / "rules"))
        by_size[size] = in_process(lambda program=program: program_problems(program), 5 if size >= 1000 else 20)
    shipped = compile_rule_base(load_valid(ROOT / "rules"))
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    env |= {"PYTHONPATH": str(ROOT), "FORECAST_CACHE_DIR": str(workspace / "cache" / "shipped")}
    command = [*FORECAST, "scenarios/heavy_fighting.yaml"]
    run(command, ROOT, env)
    floor = statistics.median(run(FLOOR, ROOT, env) for _ in range(15))
    hit = statistics.median(run(command, ROOT, env) for _ in range(15))
    shipped_figures = {
        "limits check, s": in_process(lambda: program_problems(shipped), 200),
        "import floor, s": floor,
        "forecast scenarios/heavy_fighting.yaml (cache hit), s": hit,
    }
    return by_size, shipped_figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command at each size (default 5)")
    parser.add_argument("--consistency-runs", type=int, default=1, help="runs of check --consistency at each size (default 1)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        workspace = Path(folder)
        medians = command_medians(args.runs, workspace)
        medians["limits check (in process)"], shipped = limits_medians(workspace)
        medians["check --consistency"], peaks = consistency_medians(args.consistency_runs, workspace)
    rows = []
    for name, by_size in medians.items():
        seconds = [by_size[size] for size in SIZES]
        rows.append(
            {
                "what": name,
                "median_s": {str(size): value for size, value in by_size.items()},
                "ratio_to_100": {str(size): value / by_size[SIZES[0]] for size, value in by_size.items()},
                "growth_exponent": exponent(SIZES, seconds),
            }
        )
    print(f"{'median (ratio to 100 rules)':<28}" + "".join(f"{size:>20,}" for size in SIZES) + f"{'exponent':>10}")
    for row in rows:
        cells = "".join(f"{row['median_s'][str(size)] * 1000:>10.1f}ms ({row['ratio_to_100'][str(size)]:>5.1f}x)" for size in SIZES)
        print(f"{row['what']:<28}{cells}{row['growth_exponent']:>10.2f}")
    print(f"{'check --consistency peak':<28}" + "".join(f"{peaks[size]:>18.0f}MB" for size in SIZES))
    share = shipped["limits check, s"] / shipped["forecast scenarios/heavy_fighting.yaml (cache hit), s"]
    print()
    print(
        f"shipped rule base: limits check {shipped['limits check, s'] * 1e6:.0f} us, "
        f"{share:.2%} of a cache-hit forecast ({shipped['forecast scenarios/heavy_fighting.yaml (cache hit), s'] * 1000:.0f} ms; "
        f"import floor {shipped['import floor, s'] * 1000:.0f} ms); a cache hit reads the stored verdict instead"
    )
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cores": os.cpu_count(), "runs": args.runs}
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    machine["consistency_runs"] = args.consistency_runs
    consistency_peak = {str(size): value for size, value in peaks.items()}
    report = {"machine": machine, "sizes": list(SIZES), "rows": rows, "consistency_peak_mib": consistency_peak, "shipped": shipped}
    (results / "bench_scale.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

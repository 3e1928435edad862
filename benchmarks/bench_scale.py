"""Benchmark how the `forecast` command grows with the rule base: 100, 1,000, 5,000 and 20,000 rules.

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
- `forecast check --consistency --max-seconds B`, with its peak memory
  (`--consistency-runs` runs each, 1 by default; B is `--budget`, 120 s by
  default, so a run stays bounded). The synthetic spaces are far past the
  exhaustive limit, so this is the sampled search: 1,000 scenarios drawn,
  every finding shrunk. It exits 1, having found what a random rule base
  holds, or 3 when the budget ran out first: such a size is marked, and its
  time is the budget's, not the search's.

Every figure is a median; each is also given as a ratio to the same figure
at 100 rules, measured in the same run (the commands of every size take
turns, so load on the machine affects them alike), and its growth between
each pair of consecutive sizes as the exponent k = log(t2/t1) / log(n2/n1)
(time ~ rules^k locally: 1 is linear). A single fit over all sizes would
hide a growth that starts late. The shipped rule base's
limits check is set against the bare import floor (`python -c "import
click, pydantic, yaml, durable.lang"`) and its cache-hit start-up.

The commands run as an installed tool runs: with bytecode caches allowed
(PYTHONDONTWRITEBYTECODE is removed from their environment) and the engine
of this checkout first on the path.

Usage: python benchmarks/bench_scale.py [--runs 5] [--consistency-runs 1] [--budget 120] [--sizes 100,1000,5000,20000]
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
SIZES = (100, 1000, 5000, 20000)
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


def consistency_medians(
    sizes: tuple[int, ...], runs: int, budget: float, workspace: Path
) -> tuple[dict[int, float], dict[int, float], dict[int, bool]]:
    """`check --consistency --max-seconds budget` at each size: median wall seconds, peak MiB, and whether every run finished.

    Exit 1 (findings) is its normal end; exit 3 says the budget ran out first.
    """
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    seconds: dict[int, list[float]] = {size: [] for size in sizes}
    peaks: dict[int, list[float]] = {size: [] for size in sizes}
    finished = dict.fromkeys(sizes, True)
    for _ in range(runs):
        for size in sizes:
            peak_file = workspace / f"peak-{size}"
            arguments = ["check", "--consistency", "--max-seconds", f"{budget:g}"]
            command = [sys.executable, "-c", PEAK.format(path=str(peak_file)), "-", *arguments]
            size_env = {**env, "PYTHONPATH": str(ROOT), "FORECAST_CACHE_DIR": str(workspace / "cache" / str(size))}
            start = time.perf_counter()
            result = subprocess.run(command, cwd=workspace / str(size), env=size_env, capture_output=True, check=False)
            seconds[size].append(time.perf_counter() - start)
            if result.returncode not in (0, 1, 3):
                raise SystemExit(f"check --consistency at {size} rules failed: {result.stderr.decode(errors='replace')}")
            finished[size] = finished[size] and result.returncode != 3
            peaks[size].append(int(peak_file.read_text()) / 1024)
    return (
        {size: statistics.median(values) for size, values in seconds.items()},
        {size: statistics.median(values) for size, values in peaks.items()},
        finished,
    )


def in_process(function: Callable[[], object], repeat: int) -> float:
    """The median wall seconds of `function()` over `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def exponents(sizes: tuple[int, ...], seconds: list[float]) -> list[float]:
    """The growth between each pair of consecutive sizes: log(t2/t1) / log(n2/n1)."""
    return [math.log(t2 / t1) / math.log(n2 / n1) for (n1, t1), (n2, t2) in itertools.pairwise(zip(sizes, seconds, strict=True))]


def command_medians(sizes: tuple[int, ...], runs: int, workspace: Path) -> dict[str, dict[int, float]]:
    sys.path.insert(0, str(ROOT / "tests"))
    from synthetic import write_rule_base, write_scenario

    base_env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    base_env["PYTHONPATH"] = str(ROOT)
    fresh = itertools.count()
    for size in sizes:
        write_rule_base(workspace / str(size), size, seed=0)
        write_scenario(workspace / str(size), "s1", seed=1)

    def env(size: int, warm: bool) -> dict[str, str]:
        cache = workspace / "cache" / str(size) if warm else workspace / "empty" / str(next(fresh))
        return {**base_env, "FORECAST_CACHE_DIR": str(cache)}

    for size in sizes:  # write .pyc files, warm the file cache and fill each size's cache entry
        for arguments, warm in COMMANDS.values():
            run(FORECAST + arguments, workspace / str(size), env(size, warm))
    timings: dict[str, dict[int, list[float]]] = {name: {size: [] for size in sizes} for name in COMMANDS}
    for _ in range(runs):
        for size in sizes:
            for name, (arguments, warm) in COMMANDS.items():
                timings[name][size].append(run(FORECAST + arguments, workspace / str(size), env(size, warm)))
    return {name: {size: statistics.median(values) for size, values in by_size.items()} for name, by_size in timings.items()}


def limits_medians(sizes: tuple[int, ...], workspace: Path) -> tuple[dict[int, float], dict[str, float]]:
    """The limits check on each size's program, and on the shipped rule base beside its start-up and the import floor."""
    from engine.matching.compile import compile_rule_base
    from engine.matching.limits import program_problems
    from engine.pipeline import load_valid

    by_size = {}
    for size in sizes:
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
    parser.add_argument("--budget", type=float, default=120, help="check --consistency's --max-seconds (default 120)")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="rule counts, ascending (default %(default)s)")
    args = parser.parse_args()
    sizes = tuple(int(size) for size in args.sizes.split(","))

    with tempfile.TemporaryDirectory(prefix="bench-scale-") as folder:
        workspace = Path(folder)
        medians = command_medians(sizes, args.runs, workspace)
        medians["limits check (in process)"], shipped = limits_medians(sizes, workspace)
        medians["check --consistency"], peaks, finished = consistency_medians(sizes, args.consistency_runs, args.budget, workspace)
    pairs = [f"{n1}-{n2}" for n1, n2 in itertools.pairwise(sizes)]
    rows = []
    for name, by_size in medians.items():
        row: dict[str, object] = {
            "what": name,
            "median_s": {str(size): value for size, value in by_size.items()},
            "ratio_to_first": {str(size): value / by_size[sizes[0]] for size, value in by_size.items()},
            "pairwise_exponents": dict(zip(pairs, exponents(sizes, list(by_size.values())), strict=True)),
        }
        if name == "check --consistency":
            row["finished_within_budget"] = {str(size): done for size, done in finished.items()}
        rows.append(row)
    print(f"{'median (ratio to first)':<26}" + "".join(f"{size:>20,}" for size in sizes) + "".join(f"{pair:>12}" for pair in pairs))
    for row in rows:
        median, ratio, growth = row["median_s"], row["ratio_to_first"], row["pairwise_exponents"]
        assert isinstance(median, dict) and isinstance(ratio, dict) and isinstance(growth, dict)
        cells = "".join(f"{median[str(size)] * 1000:>10.1f}ms ({ratio[str(size)]:>5.1f}x)" for size in sizes)
        print(f"{row['what']:<26}{cells}" + "".join(f"{growth[pair]:>12.2f}" for pair in pairs))
    print(f"{'check --consistency peak':<26}" + "".join(f"{peaks[size]:>18.0f}MB" for size in sizes))
    stopped = [f"{size:,}" for size in sizes if not finished[size]]
    if stopped:
        print(f"check --consistency stopped at its {args.budget:g} s budget (exit 3) at {', '.join(stopped)} rules: the budget's times")
    share = shipped["limits check, s"] / shipped["forecast scenarios/heavy_fighting.yaml (cache hit), s"]
    print()
    print(
        f"shipped rule base: limits check {shipped['limits check, s'] * 1e6:.0f} us, "
        f"{share:.2%} of a cache-hit forecast ({shipped['forecast scenarios/heavy_fighting.yaml (cache hit), s'] * 1000:.0f} ms; "
        f"import floor {shipped['import floor, s'] * 1000:.0f} ms); a cache hit reads the stored verdict instead"
    )
    machine: dict[str, object] = {"python": platform.python_version(), "machine": platform.machine(), "cores": os.cpu_count()}
    machine |= {"runs": args.runs, "consistency_runs": args.consistency_runs, "consistency_budget_s": args.budget}
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    consistency_peak = {str(size): value for size, value in peaks.items()}
    report = {"machine": machine, "sizes": list(sizes), "rows": rows, "consistency_peak_mib": consistency_peak, "shipped": shipped}
    (results / "bench_scale.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""Measure the consistency check: the shipped rule base, the 16-variable base, and how cost grows with variables.

    .venv/bin/python benchmarks/bench_consistency.py [--max-exhaustive 16] [--sampled 22,26,32]

Every time is also given as a ratio to a baseline measured in the same run:
the mean time of one engine evaluation (`Engine.forecast`) of a shipped
scenario. Ratios compare across machines; seconds do not.

The 16-variable base is the shipped one twice over (every variable, fact,
question, rule, invariant and acceptance copied with a suffix `_b`):
576 * 576 = 331,776 classes, searched exhaustively, in this process and in
two worker processes (`jobs=2`). Goal: under 10 s. Its peak memory is that
of the command, `forecast check --consistency`, in a process of its own,
beside the same command on the shipped base.

Growth is measured on synthetic rule bases with n boolean variables and
three analyst rules per variable (a fact, a stance that uses it, and a stance
that can clash with it), so n variables make 2**n scenario classes. Up to
`--max-exhaustive` variables the check is exhaustive; the `--sampled` sizes
are above the default limit of 1,000,000 classes (n >= 20), so hypothesis
runs: its cost is bounded by `max_examples`, not by the space.

Prints a table and writes JSON to benchmarks/results/bench_consistency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

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


def _renamed_condition(node: Any, suffix: str) -> Any:
    if not isinstance(node, dict):
        return node
    renamed: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("var", "fact"):
            renamed[key] = value + suffix
        elif key in ("all", "any"):
            renamed[key] = [_renamed_condition(item, suffix) for item in value]
        elif key == "not":
            renamed[key] = _renamed_condition(value, suffix)
        else:
            renamed[key] = value
    return renamed


def _renamed_claim(node: dict[str, Any], suffix: str) -> dict[str, Any]:
    return {key: value + suffix if key in ("question", "fact") else value for key, value in node.items()}


def doubled_rule_base(directory: Path, suffix: str = "_b") -> Path:
    """Write the shipped rule base twice over into `directory` (rules/ and seeds/); return its rules dir.

    Every variable, fact and question gets a copy named with `suffix`, every
    rule, invariant and acceptance a copy that reads and concludes on the
    copies, quoting the same seed: 8 variables become 16, and 576 classes
    576 * 576 = 331,776.
    """
    rules = directory / "rules"
    shutil.copytree(ROOT / "rules", rules)
    shutil.copytree(ROOT / "seeds", directory / "seeds")

    def read(name: str) -> Any:
        return yaml.safe_load((rules / name).read_text(encoding="utf-8"))

    def write(name: str, data: Any) -> None:
        (rules / name).write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    vocabulary = read("vocabulary.yaml")
    for section in ("variables", "facts", "questions"):
        vocabulary[section] = {**vocabulary[section], **{name + suffix: spec for name, spec in vocabulary[section].items()}}
    write("vocabulary.yaml", vocabulary)
    for path in sorted(rules.glob("*.yaml")):
        if path.name in ("vocabulary.yaml", "experts.yaml", "checks.yaml"):
            continue
        data = read(path.name)
        copies = []
        for rule in data["rules"]:
            copy = {**rule, "id": rule["id"] + suffix, "then": _renamed_claim(rule["then"], suffix)}
            if "when" in rule:
                copy["when"] = _renamed_condition(rule["when"], suffix)
            if "rates" in rule:
                copy["rates"] = _renamed_claim(rule["rates"], suffix)
            copies.append(copy)
        write(path.name, {**data, "rules": data["rules"] + copies})
    checks = read("checks.yaml")
    checks["invariants"] += [
        {
            **item,
            "name": item["name"] + suffix,
            "when": _renamed_condition(item["when"], suffix),
            "require": _renamed_claim(item["require"], suffix),
        }
        for item in checks["invariants"]
    ]
    checks["accepted"] += [
        {**item, "name": item["name"] + suffix, **{key: item[key] + suffix for key in ("question", "rule") if key in item}}
        for item in checks["accepted"]
    ]
    write("checks.yaml", checks)
    return rules


def command(rules: Path, *options: str) -> dict[str, Any]:
    """Wall seconds and peak resident memory of `forecast check --consistency` on a rule base, in a process of its own."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", "check", "--consistency", "--rules", str(rules), *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    return {"exit_code": os.waitstatus_to_exitcode(status), "wall_seconds": wall, "peak_mb": usage.ru_maxrss / 1024}


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
    parser.add_argument("--max-exhaustive", type=int, default=16, help="largest synthetic size searched exhaustively (2**n classes)")
    parser.add_argument("--sampled", default="22,26,32", help="synthetic sizes above the limit, searched by hypothesis (comma-separated)")
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
    with tempfile.TemporaryDirectory() as directory:
        rules = doubled_rule_base(Path(directory))
        doubled = Engine.open(rules)
        result["doubled"] = {
            "variables": len(doubled.vocabulary.variables),
            "rules": len(doubled.rule_base.rules),
            "jobs_1": measure(doubled, baseline),
            "jobs_2": measure(doubled, baseline, jobs=2),
            "command": command(rules),
            "command_jobs_2": command(rules, "--jobs", "2"),
            "shipped_command": command(ROOT / "rules"),
        }
        print("  measured the 16-variable base", file=sys.stderr)

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


def _doubled_lines(doubled: dict[str, Any], baseline: float) -> list[str]:
    one, two = doubled["jobs_1"], doubled["jobs_2"]
    run, pooled, shipped = doubled["command"], doubled["command_jobs_2"], doubled["shipped_command"]
    return [
        f"16-variable base (the shipped one twice over: {doubled['variables']} variables, {doubled['rules']} rules)",
        f"  scenario space   {one['classes']:,} classes, {one['method']}, {one['scenarios_tried']:,} scenarios tried, "
        f"{one['findings']} findings",
        f"  full check       {one['wall_seconds']:.2f} s = {one['wall_in_baselines']:,.0f} units (goal: under 10 s); "
        f"{one['per_scenario_seconds'] * 1e6:.1f} us = {one['per_scenario_in_baselines']:.4f} units a class",
        f"  with jobs=2      {two['wall_seconds']:.2f} s = {two['wall_in_baselines']:,.0f} units",
        f"  the command      {run['wall_seconds']:.2f} s, peak {run['peak_mb']:.0f} MB; with --jobs 2 {pooled['wall_seconds']:.2f} s; "
        f"on the shipped base {shipped['wall_seconds']:.2f} s, peak {shipped['peak_mb']:.0f} MB "
        f"(memory ratio {run['peak_mb'] / shipped['peak_mb']:.2f})",
    ]


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
        *_doubled_lines(result["doubled"], baseline),
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

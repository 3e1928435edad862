"""`forecast check`: validate without running, and optionally search the scenario space."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from engine.cli.options import DIRECTORY, FILE, emit, rule_base_options


class _Seconds(click.FloatRange):
    """A number of seconds above 0; `nan`, which every comparison lets through, is refused too."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if seconds != seconds:
            self.fail(f"{value} is not a number of seconds", param, ctx)
        return seconds


SECONDS = _Seconds(min=0, min_open=True)


@click.command("check")
@click.argument("files", nargs=-1, type=FILE)
@rule_base_options
@click.option(
    "--scenarios",
    "scenarios_dir",
    type=DIRECTORY,
    default=None,
    help="Scenarios to validate.  [default: scenarios/ beside the rules directory]",
)
@click.option("--consistency", is_flag=True, help="Also search the scenario space for self-conflicts, dead rules and broken invariants.")
@click.option(
    "--write-counterexamples",
    "counterexamples",
    type=DIRECTORY,
    default=None,
    help="With --consistency: write each counterexample as a scenario file in this directory (replacing those an earlier run wrote there).",
)
@click.option(
    "--max-seconds",
    type=SECONDS,
    default=None,
    metavar="N",
    help="With --consistency: stop after N seconds from the command's start, set-up included, report how far it got, and exit 3.",
)
@click.option("--coverage", is_flag=True, help="Also report which rules, branches and outcomes the scenarios reach.")
@click.option(
    "--min-coverage",
    type=click.FloatRange(0, 100),
    default=None,
    metavar="PCT",
    help="Exit 1 when fewer than PCT% of the rules fire in some scenario (implies --coverage).",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="With --consistency: search, with the same report, in N worker processes (0: one per core).  "
    "[default: one per core for an exhaustive search of 500,000 classes or more on a machine with more than one core, "
    "else 1: below that, starting the workers costs more than they save]",
)
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check_command(
    files: tuple[Path, ...],
    rules: Path,
    seeds: Path | None,
    scenarios_dir: Path | None,
    consistency: bool,
    counterexamples: Path | None,
    max_seconds: float | None,
    coverage: bool,
    min_coverage: float | None,
    jobs: int | None,
    fmt: str,
) -> None:
    """Validate the rule base and scenarios without running them.

    Checks the schema of every file, every reference, every value's type,
    every quote and hedge against its seed, the seeds' hashes, negation
    cycles and the rule engine's limits, then the scenario FILES given (by
    default every scenario in scenarios/). Exits 0 when clean, 1 with the
    list of problems, 3 when --max-seconds stopped the search first.

    \b
    Example:
      forecast check
      forecast check scenarios/my_scenario.yaml
      forecast check --consistency --write-counterexamples counterexamples/
      forecast check --consistency --max-seconds 600
      forecast check --coverage --min-coverage 100
      forecast check --consistency --jobs 0
    """
    from engine.checking import check_all
    from engine.cli.interrupts import checkpoint
    from engine.cli.progress import progress_on_stderr
    from engine.console import started
    from engine.errors import BudgetReached

    for flag, given in (
        ("--write-counterexamples", counterexamples is not None),
        ("--max-seconds", max_seconds is not None),
        ("--jobs", jobs is not None),
    ):
        if given and not consistency:
            raise click.UsageError(f"{flag} needs --consistency")
    with progress_on_stderr() as progress:
        result = check_all(
            rules,
            seeds,
            scenarios_dir,
            files=files,
            consistency=consistency,
            counterexamples=counterexamples,
            progress=progress if consistency else None,
            max_seconds=max_seconds,
            checkpoint=checkpoint,
            jobs=jobs,
            started=started(),
        )
    covered = None
    if coverage or min_coverage is not None:
        from engine.cli.explore import check_coverage

        covered = check_coverage(result, rules, seeds, min_coverage)
    if fmt == "json":
        found = result.to_json() | ({"coverage": covered.json} if covered is not None else {})
        found["ok"] = found["ok"] and not (covered is not None and covered.below)
        emit(json.dumps(found, indent=2, ensure_ascii=False) + "\n", None)
    else:
        from engine.cli.terminal import output_width

        emit(result.render_text(output_width(sys.stdout)) + (covered.text if covered is not None else ""), None)
    if result.write_error is not None:
        raise result.write_error
    report = result.consistency
    if report is not None and not report.complete:
        raise BudgetReached(
            f"time budget of {max_seconds:g} s reached: the consistency check tried {report.scenarios_tried:,} scenarios "
            "and did not finish (the report says what it did not search)"
        )
    if result.failed or (covered is not None and covered.below):
        sys.exit(1)

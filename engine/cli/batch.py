"""`forecast batch FILE`: forecast every scenario of a CSV or JSON Lines file, one output row each."""

from __future__ import annotations

import sys
from concurrent.futures import Executor
from contextlib import AbstractContextManager
from pathlib import Path

import click

from engine.cli import options
from engine.cli.options import FILE, found_rule_base_options, jobs_option, output_option

PROGRESS_FROM = 5_000
"""Batches of at least this many scenarios show their progress (a bar on a terminal)."""
STEP = 1_000
"""Scenarios between two progress updates."""


@click.command("batch")
@click.argument("file", type=FILE)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl"]),
    default=None,
    help="Output format.  [default: from -o's suffix (.jsonl, .ndjson), else csv]",
)
@click.option("--stances", is_flag=True, help="Add each expert's stance on each question.")
@jobs_option("Forecast")
@found_rule_base_options
@output_option
def batch_command(
    file: Path, fmt: str | None, stances: bool, jobs: int, rules: Path | None, seeds: Path | None, output: Path | None
) -> None:
    """Forecast every scenario of a CSV or JSON Lines FILE, one output row each.

    FILE is .csv, with a header of variable names and a row per scenario, or
    .jsonl, with a JSON object of variable: value per line. Each output row
    gives the scenario's line in FILE, its values and, for every question,
    the outcome and its status; --stances adds each expert's stance. A row
    that cannot be forecast (a wrong value, or the engine failing on it) is
    reported on stderr with its line, one line each, and the others are
    still written; the exit code is then 1.

    \b
    Example:
      forecast batch scenarios/batch/example.csv
      forecast batch scenarios/batch/example.csv --stances -o forecasts.jsonl
      forecast batch big.csv --jobs 0 -o forecasts.csv

    \b
    scenarios/batch/example.csv:
      junta_pays,mali_resources,deadly_clashes,cruel_conduct,kremlin_investment,...
      true,limited,4,true,high,...
    """
    from engine.cli.interrupts import checkpoint
    from engine.cli.progress import progress_on_stderr
    from engine.cli.rulebase import find_rule_base
    from engine.errors import ForecastError, RuleBaseInvalid, one_line
    from engine.load.rows import SUFFIXES, read_rows
    from engine.render.batch import Done, render_csv, render_jsonl

    chosen = fmt or ("jsonl" if output is not None and SUFFIXES.get(output.suffix.lower()) == "jsonl" else "csv")
    rules = find_rule_base(rules, file)
    options.note_check_command(rules, seeds)
    engine = options.open_engine(rules, seeds, "compiled")  # what forecast_many runs anyway; durable_rules is never started
    rows = read_rows(file, engine.vocabulary)
    failed: list[tuple[int, ForecastError]] = [(row.line, row.problem) for row in rows if row.problem is not None]
    readable = [row for row in rows if row.problem is None]
    done: list[Done] = []
    with progress_on_stderr() as progress, _executor(jobs) as executor:
        update = progress("batch") if len(readable) >= PROGRESS_FROM else None
        results = engine.forecast_many((row.values for row in readable), errors="yield", executor=executor)
        for count, (row, result) in enumerate(zip(readable, results, strict=True), 1):
            if isinstance(result, ForecastError):  # a wrong row, or one the engine failed on: that row only
                failed.append((row.line, result))
            else:
                done.append((row.line, result))
            if count % STEP == 0 or count == len(readable):
                checkpoint()
                if update is not None:
                    update(count, len(readable))
    speakers = None
    if stances:
        order = {name: position for position, name in enumerate(engine.rule_base.experts)}
        speakers = {question: sorted(experts, key=order.__getitem__) for question, experts in engine.speakers.items()}
    render = render_jsonl if chosen == "jsonl" else render_csv
    options.emit(render(done, engine.vocabulary, speakers), output)
    if failed:
        for line, problem in sorted(failed, key=lambda item: item[0]):
            every = problem.problems if isinstance(problem, RuleBaseInvalid) else [problem]
            click.echo(one_line(f"forecast: {file}:{line}: {'; '.join(map(str, every))}"), err=True)
        count = len(failed)
        click.echo(f"forecast: {count:,} of {len(rows):,} scenario{'s' if len(rows) != 1 else ''} not forecast", err=True)
        sys.exit(1)


def _executor(jobs: int) -> AbstractContextManager[Executor | None]:
    """A process pool for more than one job, else nothing (this process does the work)."""
    from contextlib import nullcontext

    from engine.parallel import process_pool, workers

    return process_pool(jobs) if workers(jobs) > 1 else nullcontext(None)

"""`forecast SCENARIO` (the `run` command): forecast one scenario."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli import options
from engine.cli.options import FILE, output_option, rule_base_options
from engine.errors import InputError, did_you_mean


@click.command("run")
@click.argument("scenario", type=FILE)
@click.option(
    "-f",
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Output format; JSON is a versioned contract (docs/json.md).",
)
@click.option("-q", "--question", "questions", multiple=True, metavar="ID", help="Show only this question (repeatable).")
@rule_base_options
@output_option
def run_command(scenario: Path, fmt: str, questions: tuple[str, ...], rules: Path, seeds: Path | None, output: Path | None) -> None:
    """Forecast one scenario: outcomes, stances and the reasoning behind them.

    \b
    Example:
      forecast scenarios/heavy_fighting.yaml
      forecast run scenarios/junta_pays.yaml --format markdown -o report.md

    Exits 1 when the scenario's own `expect:` section is not met.
    """
    from engine.cli.terminal import output_width, use_colour
    from engine.render.report import Report, renderer
    from engine.resolve.expectations import unmet_expectations

    options.note_check_command(rules, seeds, scenario)
    engine = options.open_engine(rules, seeds)
    for question in questions:
        if question not in engine.vocabulary.questions:
            raise InputError(
                f"unknown question '{question}'", key="--question", suggestion=did_you_mean(question, engine.vocabulary.questions)
            )
    parsed, forecast = engine.forecast_file(scenario)
    unmet = tuple(unmet_expectations(parsed, forecast))
    stream = sys.stdout if output is None or str(output) == "-" else None
    report = Report(
        scenario=parsed,
        scenario_path=scenario.as_posix(),
        rules_path=rules.as_posix(),
        rule_base=engine.rule_base,
        forecast=forecast,
        unmet=unmet,
        questions=questions,
        width=output_width(stream) or Report.width,
        colour=use_colour(stream),
    )
    options.emit(renderer(fmt)(report), output)
    if unmet:
        click.echo(f"forecast: {scenario}: {len(unmet)} expectation(s) not met", err=True)
        sys.exit(1)

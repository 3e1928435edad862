"""`forecast SCENARIO` (the `run` command): forecast one scenario."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from engine.cli import options
from engine.cli.options import FILE, found_rule_base_options, lexicon_option, matcher_option, output_option, strict_option
from engine.errors import InputError, did_you_mean, one_line
from engine.pipeline import MAX_SAMPLES, MatcherName


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
@lexicon_option
@click.option(
    "--samples",
    type=click.IntRange(min=1, max=MAX_SAMPLES),
    default=None,
    help="Estimate by Monte Carlo with this many scenarios.  [default: exact when feasible]",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the Monte Carlo draws.")
@click.option("--brief", is_flag=True, help="Print the summary alone: one line per question, its verdict.")
@click.option(
    "--why-not",
    "why_not",
    is_flag=True,
    help="Append why each silent rule of an expert who spoke on a question did not fire (a certain scenario only).",
)
@strict_option
@found_rule_base_options
@matcher_option
@output_option
def run_command(
    scenario: Path,
    fmt: str,
    questions: tuple[str, ...],
    lexicon: str | None,
    samples: int | None,
    seed: int,
    brief: bool,
    why_not: bool,
    strict: bool,
    rules: Path | None,
    seeds: Path | None,
    matcher: MatcherName,
    output: Path | None,
) -> None:
    """Forecast one scenario: each question's verdict, the claims and their reasons.

    Inputs may be uncertain (`{chance: 0.3}`, `likely`, `{high: 0.7, low:
    0.3}`, `{between: [0, 5]}`): every outcome then gets the range of
    probabilities the experts' words allow, exact where the scenario classes
    are few enough, else by Monte Carlo.

    \b
    Example:
      forecast scenarios/heavy_fighting.yaml
      forecast scenarios/heavy_fighting.yaml --brief
      forecast run scenarios/junta_pays.yaml --format markdown -o report.md
      forecast scenarios/article_baseline.yaml --lexicon kent
      forecast scenarios/analyst_view.yaml --samples 100000 --seed 7
      forecast scenarios/heavy_fighting.yaml --why-not

    Exits 1 when the scenario's own `expect:` section is not met. With
    --strict, a scenario that leaves an input to a vocabulary `default:` or
    takes it from a scenario it `extends:` is refused (exit 2).
    """
    from engine.cli.rulebase import find_rule_base
    from engine.cli.terminal import output_width, use_colour
    from engine.render.formats import renderer
    from engine.render.report import WIDTH, Report
    from engine.resolve.expectations import unmet_expectations

    rules = find_rule_base(rules, scenario)
    options.note_check_command(rules, seeds, scenario)
    engine = options.open_engine(rules, seeds, matcher)
    for question in questions:
        if question not in engine.vocabulary.questions:
            raise InputError(
                f"unknown question '{question}'", key="--question", suggestion=did_you_mean(question, engine.vocabulary.questions)
            )
    parsed = engine.read_scenario(scenario, lexicon)
    if strict:
        options.refuse_implicit(parsed, scenario)
    if why_not and not parsed.certain:
        from engine.cli.explore import certain_scenario

        certain_scenario(engine, scenario, "--why-not")
    forecast, odds = engine.forecast_scenario(parsed, lexicon=lexicon, samples=samples, seed=seed)
    silent = None
    if why_not and forecast is not None:
        from engine.explore.whynot import Explainer

        silent = Explainer(engine, parsed.values, forecast).silent(questions)
    unmet = tuple(unmet_expectations(parsed, forecast, odds))
    stream = sys.stdout if output is None or str(output) == "-" else None
    report = Report(
        scenario=parsed,
        scenario_path=scenario.as_posix(),
        rules_path=rules.as_posix(),
        rule_base=engine.rule_base,
        forecast=forecast,
        unmet=unmet,
        questions=questions,
        odds=odds,
        width=output_width(stream) or WIDTH,
        colour=use_colour(stream),
        why_not=silent,
        brief=brief,
    )
    options.emit(renderer(fmt)(report), output)
    if unmet:
        click.echo(one_line(f"forecast: {scenario}: {len(unmet)} expectation(s) not met"), err=True)
        sys.exit(1)

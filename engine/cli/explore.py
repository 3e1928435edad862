"""`forecast flips`, `forecast why-not`, `forecast sweep` and `forecast matrix`: exploring around scenarios.

Each runs on the compiled matcher (proven equal to durable_rules, and much
faster for the many forecasts `flips` and `sweep` make). `flips`, `why-not`
and `sweep` need a certain scenario: an uncertain input has no one value to
move from or to test; `matrix` takes either kind.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.cli import options
from engine.cli.options import FILE, found_rule_base_options, output_option
from engine.errors import InputError, Location, did_you_mean

if TYPE_CHECKING:
    from engine.checking import CheckResult
    from engine.model import Scenario
    from engine.pipeline import Engine


def _open(rules: Path | None, seeds: Path | None, *scenarios: Path) -> Engine:
    """The engine of the rule base given, or found from the first scenario (`engine.cli.rulebase`)."""
    from engine.cli.rulebase import find_rule_base

    rules = find_rule_base(rules, scenarios[0] if scenarios else None)
    options.note_check_command(rules, seeds, *scenarios)
    return options.open_engine(rules, seeds, "compiled")


def _questions(engine: Engine, questions: Sequence[str]) -> tuple[str, ...] | None:
    for question in questions:
        if question not in engine.vocabulary.questions:
            raise InputError(
                f"unknown question '{question}'", key="--question", suggestion=did_you_mean(question, engine.vocabulary.questions)
            )
    return tuple(dict.fromkeys(questions)) or None


def certain_scenario(engine: Engine, path: Path, needs: str) -> Scenario:
    """A scenario file that gives every input one value; `InputError` naming the uncertain inputs otherwise."""
    scenario = engine.read_scenario(path)
    if not scenario.certain:
        raise InputError(
            f"{needs} needs one value for each input; this scenario gives chances for {', '.join(scenario.uncertain)}",
            location=Location(path),
            suggestion=f"give each one value in a copy: forecast new NAME --from {path.as_posix()}",
        )
    return scenario


def _terminal() -> tuple[int, bool]:
    from engine.cli.terminal import output_width, use_colour
    from engine.render.report import WIDTH

    return output_width(sys.stdout) or WIDTH, use_colour(sys.stdout)


def _layout(output: Path | None) -> tuple[int, bool]:
    """The text width and colour: the terminal's on standard output, the fixed width in a file."""
    if output is None or str(output) == "-":
        return _terminal()
    from engine.render.report import WIDTH

    return WIDTH, False


question_option = click.option(
    "-q", "--question", "questions", multiple=True, metavar="ID", help="Only this question (repeatable).  [default: every question]"
)


@click.command("flips")
@click.argument("scenario", type=FILE)
@question_option
@click.option("--no-pairs", is_flag=True, help="Single changes only, not pairs of changes.")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True, help="Output format."
)
@found_rule_base_options
@output_option
def flips_command(
    scenario: Path, questions: tuple[str, ...], no_pairs: bool, fmt: str, rules: Path | None, seeds: Path | None, output: Path | None
) -> None:
    """List the smallest input changes that flip a question's verdict.

    For each question: each input moved to the nearest value that crosses a
    rule's threshold (named, with the rule), then pairs of inputs moved
    together where the pair does what neither change does alone. A change
    is listed when it changes the verdict: its status, who speaks, what is
    favoured (by the experts together or by one of them) or who is in a
    conflict. Needs a certain scenario (one value per input).

    \b
    Example:
      forecast flips scenarios/heavy_fighting.yaml
      forecast flips scenarios/heavy_fighting.yaml -q russia_presence
      forecast flips scenarios/article_baseline.yaml --format json -o flips.json
    """
    from engine.explore.flips import flips
    from engine.render import flips as render

    engine = _open(rules, seeds, scenario)
    asked = _questions(engine, questions)
    parsed = certain_scenario(engine, scenario, "flips")
    found = flips(engine, parsed.values, asked, pairs=not no_pairs)
    path = scenario.as_posix()
    if fmt == "json":
        text = render.render_json(found, parsed, path, engine.rule_base)
    elif fmt == "markdown":
        text = render.render_markdown(found, parsed, path, engine.rule_base)
    else:
        width, colour = _layout(output)
        text = render.render_text(found, parsed, path, engine.rule_base, width, colour)
    options.emit(text, output)


@click.command("why-not")
@click.argument("scenario", type=FILE)
@click.argument("rule_ids", metavar="RULE...", nargs=-1, required=True)
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True, help="Output format."
)
@found_rule_base_options
@output_option
def why_not_command(
    scenario: Path, rule_ids: tuple[str, ...], fmt: str, rules: Path | None, seeds: Path | None, output: Path | None
) -> None:
    """Show why a rule did not fire in a scenario, condition by condition.

    For each branch of the rule's condition (its alternatives), each
    condition held or FAILED, with the scenario's value; a fact that was
    needed and not derived is explained in turn, through every rule that
    derives it. Shows the quote of the rule. A rule that did fire says
    with which branch. Needs a certain scenario (one value per input).

    \b
    Example:
      forecast why-not scenarios/heavy_fighting.yaml elischer.more_if_paid
      forecast why-not scenarios/junta_pays.yaml elischer.curtail_if_trend
      forecast scenarios/heavy_fighting.yaml --why-not
    """
    from engine.explore.whynot import Explainer, unknown_rule
    from engine.render import whynot as render

    engine = _open(rules, seeds, scenario)
    known = {rule.id for rule in engine.rule_base.rules}
    for rule_id in rule_ids:
        if rule_id not in known:
            raise unknown_rule(engine, rule_id)
    parsed = certain_scenario(engine, scenario, "why-not")
    explainer = Explainer(engine, parsed.values)
    explained = [explainer.explain(rule_id) for rule_id in dict.fromkeys(rule_ids)]
    path = scenario.as_posix()
    if fmt == "json":
        text = render.render_json(explained, parsed.name, path)
    elif fmt == "markdown":
        text = render.render_markdown(explained, parsed.name, path, engine.rule_base)
    else:
        width, colour = _layout(output)
        text = render.render_text(explained, parsed.name, path, engine.rule_base, width, colour)
    options.emit(text, output)


@click.command("sweep")
@click.argument("scenario", type=FILE)
@click.option("--vary", "vary", required=True, metavar="VAR[,VAR2]", help="The variable to sweep, or two, comma-separated, for a grid.")
@question_option
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "markdown", "csv"]), default="text", show_default=True, help="Output format."
)
@click.option(
    "--plot",
    "plot",
    type=FILE,
    default=None,
    metavar="FILE.svg|FILE.png",
    help="Also draw the sweep, coloured by status and favoured event (needs matplotlib: pip install '.[plot]').",
)
@found_rule_base_options
@output_option
def sweep_command(
    scenario: Path,
    vary: str,
    questions: tuple[str, ...],
    fmt: str,
    plot: Path | None,
    rules: Path | None,
    seeds: Path | None,
    output: Path | None,
) -> None:
    """Sweep one or two inputs across every threshold, holding the rest.

    Each swept variable takes one value in each run of values the rules
    cannot tell apart (each boolean, each level, numbers from each
    threshold on), everything else held at the scenario's values. One
    variable gives a table of each question's verdict (its status and what
    is favoured, or who conflicts); two give a grid per question. Questions
    whose verdict changes nowhere are listed once, below, unless named with
    -q. Needs a certain scenario.

    \b
    Example:
      forecast sweep scenarios/heavy_fighting.yaml --vary deadly_clashes
      forecast sweep scenarios/heavy_fighting.yaml --vary deadly_clashes,kremlin_investment
      forecast sweep scenarios/heavy_fighting.yaml --vary junta_pays,deadly_clashes --plot grid.svg
      forecast sweep scenarios/article_baseline.yaml --vary kremlin_investment --format csv
    """
    from engine.explore.sweep import sweep, sweep_variables
    from engine.render import sweep as render

    if plot is not None:
        from engine.render.plot import check_plot

        check_plot(plot)
    engine = _open(rules, seeds, scenario)
    asked = _questions(engine, questions)
    variables = sweep_variables(engine, [vary])
    parsed = certain_scenario(engine, scenario, "sweep")
    found = sweep(engine, parsed.values, variables, asked)
    path = scenario.as_posix()
    if fmt == "csv":
        text = render.render_csv(found, engine.rule_base)
    elif fmt == "markdown":
        text = render.render_markdown(found, parsed, path, engine.rule_base, asked is not None)
    else:
        text = render.render_text(found, parsed, path, engine.rule_base, asked is not None, _layout(output)[0])
    if plot is not None:
        from engine.render.plot import plot_sweep

        plot_sweep(found, parsed, engine.rule_base, plot, asked is not None)
    options.emit(text, output)


@click.command("matrix")
@click.argument("scenarios", nargs=-1, required=True, type=FILE)
@click.option(
    "--by",
    type=click.Choice(["expert", "scenario"]),
    default=None,
    help="Rows: experts (a table per scenario) or scenarios (one table).  [default: expert for one scenario, scenario for several]",
)
@click.option(
    "--expert", "expert", metavar="NAME", default=None, help="By scenario: this expert's claims and view instead of the verdicts."
)
@question_option
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["text", "markdown", "csv"]), default="text", show_default=True, help="Output format."
)
@click.option("--lexicon", metavar="NAME", default=None, help="Read likelihood words in the scenarios with this lexicon.")
@found_rule_base_options
@output_option
def matrix_command(
    scenarios: tuple[Path, ...],
    by: str | None,
    expert: str | None,
    questions: tuple[str, ...],
    fmt: str,
    lexicon: str | None,
    rules: Path | None,
    seeds: Path | None,
    output: Path | None,
) -> None:
    """Tabulate claims and verdicts: experts by questions, or scenarios by questions.

    By expert, each cell is an expert's claims in words with their ranges,
    each beside the event it rates, then what he favours
    (`P(withdraw) 20-45% "unlikely" -> favours not withdraw`,
    `curtail possible ("may")`), or his self-conflict. By scenario, each
    cell is the question's verdict (`agree: crumbles`, `conflict (a, b)`),
    or with --expert, that expert's cell. An uncertain scenario's cells list
    the claims that may apply and how likely, or each status's chance.

    \b
    Example:
      forecast matrix scenarios/heavy_fighting.yaml
      forecast matrix scenarios/*.yaml
      forecast matrix scenarios/*.yaml --expert elischer -q russia_presence -q junta_propaganda
      forecast matrix scenarios/junta_pays.yaml scenarios/heavy_fighting.yaml --by expert --format csv
    """
    from engine.explore.matrix import matrix_of
    from engine.render import matrix as render

    engine = _open(rules, seeds, *scenarios)
    asked = _questions(engine, questions)
    if expert is not None and expert not in engine.rule_base.experts:
        raise InputError(f"unknown expert '{expert}'", key="--expert", suggestion=did_you_mean(expert, engine.rule_base.experts))
    layout = by or ("scenario" if len(scenarios) > 1 or expert is not None else "expert")
    if expert is not None and layout == "expert":
        raise click.UsageError("--expert goes with --by scenario")
    read = [(path.as_posix(), engine.read_scenario(path, lexicon)) for path in dict.fromkeys(scenarios)]
    found = matrix_of(engine, read, asked, lexicon=lexicon)
    if fmt == "csv":
        text = render.render_csv(found, engine.rule_base, layout, expert)
    elif fmt == "markdown":
        text = render.render_markdown(found, engine.rule_base, layout, expert)
    else:
        text = render.render_text(found, engine.rule_base, layout, expert, _layout(output)[0])
    options.emit(text, output)


class CheckedCoverage:
    """What `forecast check --coverage` adds: JSON, text, and whether it is below the minimum."""

    def __init__(self, json: object, text: str, below: bool) -> None:
        self.json, self.text, self.below = json, text, below


def check_coverage(result: CheckResult, rules: Path, seeds: Path | None, minimum: float | None) -> CheckedCoverage:
    """The coverage of the scenarios `forecast check` checked; measured only when it found no problem."""
    if result.problems:
        return CheckedCoverage(None, "\ncoverage: not measured until the problems above are fixed\n", False)
    from engine.explore.coverage import coverage, read_suite
    from engine.render import coverage as render

    engine = options.open_engine(rules, seeds, "compiled")
    found = coverage(engine, read_suite(engine, result.scenarios))
    below = minimum is not None and found.rule_percent < minimum
    from engine.cli.terminal import output_width

    lines = render.render_text(found, engine.rule_base, minimum, output_width(sys.stdout) or 100)
    return CheckedCoverage(render.to_json(found, minimum), "\n" + "\n".join(lines) + "\n", below)

"""The `forecast` command: a thin client of the library.

Each command parses its arguments, makes one library call and renders the
result. Exit codes: 0 done; 1 the work found problems or failed; 2 the
user's input is wrong. Errors are one line on stderr; `--debug` shows the
traceback of an unexpected error instead.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from engine.errors import EngineFailure, InputError

F = TypeVar("F", bound=Callable[..., Any])

GROUP_OPTIONS = {"--debug", "--version", "--help", "-h"}


class ForecastGroup(click.Group):
    """A group whose default command is `run`, and the one place errors become exit codes."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for position, arg in enumerate(args):
            if arg in GROUP_OPTIONS:
                continue
            if arg not in self.commands:
                args = [*args[:position], "run", *args[position:]]
            break
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except InputError as error:
            if debug:
                raise
            click.echo(f"forecast: error: {error}", err=True)
            ctx.exit(2)
        except EngineFailure as error:
            if debug:
                raise
            click.echo(f"forecast: engine failure: {error} (run with --debug for the traceback)", err=True)
            ctx.exit(1)
        except Exception as error:
            if debug:
                raise
            click.echo(f"forecast: internal error: {type(error).__name__}: {error} (run with --debug for the traceback)", err=True)
            ctx.exit(1)


@click.group(
    cls=ForecastGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  forecast scenarios/heavy_fighting.yaml
  forecast scenarios/heavy_fighting.yaml --format json | jq '.questions[0]'
  forecast check
  forecast new my_scenario""",
)
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@click.version_option(package_name="forecast", prog_name="forecast")
def cli(debug: bool) -> None:
    """Forecast scenarios from experts' conditional claims.

    `forecast SCENARIO.yaml` runs the `run` command: for each question, every
    expert's stance, whether they agree, and the reasoning with their words.
    """


def rule_base_options(command: F) -> F:
    """--rules and --seeds, shared by every command that reads a rule base."""
    command = click.option(
        "--seeds",
        "seeds",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Seed texts directory.  [default: seeds/ beside the rules directory]",
    )(command)
    command = click.option(
        "--rules",
        "rules",
        type=click.Path(path_type=Path),
        default=Path("rules"),
        show_default=True,
        help="Rule base directory.",
    )(command)
    return command


def output_option(command: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write to this file (atomically) instead of standard output.",
    )(command)


def emit(text: str, output: Path | None) -> None:
    """All output at once: to stdout, or to a file replaced atomically."""
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, text)


def write_atomically(path: Path, text: str) -> None:
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError("directory does not exist", location=None, key=str(directory), suggestion="create it first")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise InputError(f"cannot write: {error.strerror or error}", key=str(path), suggestion="check the directory's permissions") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"cannot write: {error.strerror or error}", key=str(path)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _engine(rules: Path, seeds: Path | None) -> Any:
    from engine.pipeline import Engine

    return Engine.open(rules, seeds)


@cli.command("run")
@click.argument("scenario", type=click.Path(path_type=Path))
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
    from engine.errors import did_you_mean
    from engine.pipeline import unmet_expectations
    from engine.report import RENDERERS, Report

    engine = _engine(rules, seeds)
    for question in questions:
        if question not in engine.rule_base.vocabulary.questions:
            raise InputError(f"unknown question '{question}'", key="--question", suggestion=did_you_mean(question, engine.rule_base.vocabulary.questions))
    parsed, forecast = engine.forecast_file(scenario)
    unmet = tuple(unmet_expectations(parsed, forecast))
    report = Report(
        scenario=parsed,
        scenario_path=scenario.as_posix(),
        rules_path=rules.as_posix(),
        rule_base=engine.rule_base,
        forecast=forecast,
        unmet=unmet,
        questions=questions,
    )
    emit(RENDERERS[fmt](report), output)
    if unmet:
        click.echo(f"forecast: {scenario}: {len(unmet)} expectation(s) not met", err=True)
        sys.exit(1)


@cli.command("check")
@rule_base_options
@click.option(
    "--scenarios",
    "scenarios_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Scenarios to validate.  [default: scenarios/ beside the rules directory]",
)
@click.option("--consistency", is_flag=True, help="Also search the scenario space for self-conflicts, dead rules and broken invariants.")
@click.option(
    "--write-counterexamples",
    "counterexamples",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --consistency: write each counterexample as a scenario file in this directory.",
)
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def check_command(rules: Path, seeds: Path | None, scenarios_dir: Path | None, consistency: bool, counterexamples: Path | None, fmt: str) -> None:
    """Validate the rule base and every scenario without running them.

    Checks the schema of every file, every reference, every value's type,
    every quote and hedge against its seed, the seeds' hashes and negation
    cycles. Exits 0 when clean, 1 with the list of problems.

    \b
    Example:
      forecast check
      forecast check --consistency --write-counterexamples counterexamples/
    """
    from engine.checking import check_all

    if counterexamples is not None and not consistency:
        raise click.UsageError("--write-counterexamples needs --consistency")
    progress = _progress_bar if (consistency and fmt == "text" and sys.stderr.isatty()) else None
    result = check_all(rules, seeds, scenarios_dir, consistency=consistency, counterexamples=counterexamples, progress=progress)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(result.render_text(), nl=False)
    if result.failed:
        sys.exit(1)


def _progress_bar(label: str) -> Callable[[int, int], None]:
    """A click progress bar on stderr, driven by (done, total) callbacks."""
    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
            state["done"] = 0
        state["bar"].update(done - state["done"])
        state["done"] = done
        if done >= total:
            state.pop("bar").__exit__(None, None, None)

    return update


@cli.command("new")
@click.argument("name")
@rule_base_options
@click.option("--from", "template", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Start from this scenario's values.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write.  [default: scenarios/NAME.yaml]",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new_command(name: str, rules: Path, seeds: Path | None, template: Path | None, output: Path | None, force: bool) -> None:
    """Write a scenario file with every variable, commented, ready to edit.

    \b
    Example:
      forecast new ceasefire
      forecast new ceasefire --from scenarios/article_baseline.yaml
    """
    from engine.scenario_io import default_values, render_scenario

    target = output or Path("scenarios") / f"{name}.yaml"
    if target.exists() and not force:
        raise InputError("file exists", key=str(target), suggestion="pass --force to overwrite, or choose another NAME")
    engine = _engine(rules, seeds)
    vocabulary = engine.rule_base.vocabulary
    values = engine.load_scenario(template)[1] if template else default_values(vocabulary)
    header = f"Scenario for `forecast {target.as_posix()}`. Every variable needs a value.\nAdd an `expect:` section to have `forecast` and the tests check the stances."
    write_atomically(target, render_scenario(vocabulary, name, values, header=header))
    click.echo(f"wrote {target.as_posix()}")


@cli.command("schema")
@click.argument("kind", type=click.Choice(["scenario", "rules", "vocabulary", "experts", "checks", "seed"]), default="scenario")
@rule_base_options
@output_option
def schema_command(kind: str, rules: Path, seeds: Path | None, output: Path | None) -> None:
    """Print the JSON Schema of a file kind, for editors to complete and check.

    The scenario schema is made from the rule base's vocabulary, so it knows
    every variable and its allowed values.

    \b
    Example:
      forecast schema scenario -o scenario.schema.json
      forecast schema rules
    """
    from engine.schemas import schema_for

    vocabulary = _engine(rules, seeds).rule_base.vocabulary if kind == "scenario" else None
    emit(json.dumps(schema_for(kind, vocabulary), indent=2, ensure_ascii=False) + "\n", output)


@cli.command("list")
@click.argument("what", type=click.Choice(["all", "variables", "facts", "questions", "experts", "rules"]), default="all")
@rule_base_options
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_command(what: str, rules: Path, seeds: Path | None, fmt: str) -> None:
    """List the rule base's variables, facts, questions, experts and rules.

    \b
    Example:
      forecast list rules
      forecast list variables --format json
    """
    from engine.listing import listing

    engine = _engine(rules, seeds)
    data = listing(engine.rule_base, what)
    if fmt == "json":
        click.echo(json.dumps(data.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(data.render_text(), nl=False)


def main() -> None:
    # pydantic scans every installed package's entry points for plugins on
    # first use; the command uses none, and the scan costs more than a run.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    cli(prog_name="forecast")



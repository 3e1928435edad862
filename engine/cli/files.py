"""`forecast new`, `forecast schema` and `forecast list`: writing files and seeing what a rule base holds."""

from __future__ import annotations

import json
from pathlib import Path

import click

from engine.cli import options
from engine.cli.options import output_option, rule_base_options
from engine.errors import InputError

SCHEMA_KINDS = ("scenario", "rules", "vocabulary", "experts", "checks", "seed", "lexicon")
LIST_SECTIONS = ("all", "variables", "facts", "questions", "experts", "rules", "lexicons")


@click.command("new")
@click.argument("name")
@rule_base_options
@click.option(
    "--from", "template", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Start from this scenario's values."
)
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
    from engine.render.scenario_file import default_values, render_scenario

    target = output or Path("scenarios") / f"{name}.yaml"
    if target.exists() and not force:
        raise InputError("file exists", key=str(target), suggestion="pass --force to overwrite, or choose another NAME")
    engine = options.open_engine(rules, seeds)
    vocabulary = engine.vocabulary
    values = engine.read_scenario(template).values if template else default_values(vocabulary)
    header = (
        f"Scenario for `forecast {target.as_posix()}`. Every variable needs a value.\n"
        "Add an `expect:` section to have `forecast` and the tests check the stances."
    )
    options.write_atomically(target, render_scenario(vocabulary, name, values, header=header))
    click.echo(f"wrote {target.as_posix()}")


@click.command("schema")
@click.argument("kind", type=click.Choice(SCHEMA_KINDS), default="scenario")
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
    from engine.load.jsonschema import schema_for

    engine = options.open_engine(rules, seeds) if kind == "scenario" else None
    found = schema_for(kind, engine.vocabulary, engine.lexicon()) if engine else schema_for(kind)
    options.emit(json.dumps(found, indent=2, ensure_ascii=False) + "\n", output)


@click.command("list")
@click.argument("what", type=click.Choice(LIST_SECTIONS), default="all")
@rule_base_options
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_command(what: str, rules: Path, seeds: Path | None, fmt: str) -> None:
    """List the rule base's variables, facts, questions, experts, rules and lexicons.

    \b
    Example:
      forecast list rules
      forecast list lexicons
      forecast list variables --format json
    """
    from engine.render.listing import listing

    data = listing(options.open_engine(rules, seeds).rule_base, what)
    if fmt == "json":
        click.echo(json.dumps(data.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(data.render_text(), nl=False)

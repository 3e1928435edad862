"""`forecast new`, `forecast schema` and `forecast list`: writing files and seeing what a rule base holds."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from engine.cli import options
from engine.cli.options import FILE, found_rule_base_options, output_option, rule_base_options
from engine.errors import InputError

SCHEMA_KINDS = ("scenario", "rules", "vocabulary", "experts", "checks", "seed", "lexicon")
LIST_SECTIONS = ("all", "variables", "facts", "questions", "experts", "rules", "lexicons")
SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
"""A NAME that `forecast new` turns into scenarios/NAME.yaml: a file name, never a path."""


@click.command("new")
@click.argument("name")
@found_rule_base_options
@click.option("--from", "template", type=FILE, default=None, help="Start from this scenario's values.")
@click.option(
    "--extends",
    "base",
    type=FILE,
    default=None,
    help="Build on this scenario: write `extends:` and its inputs as comments, to uncomment the ones to override.",
)
@click.option(
    "-o",
    "--output",
    type=FILE,
    default=None,
    help="Where to write (`-` is standard output).  [default: scenarios/NAME.yaml]",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@click.option(
    "--uncertain",
    is_flag=True,
    help="Show, above each variable, the uncertain forms it takes ({chance: 0.3}, likely, {between: [0, 5]}, ...).",
)
def new_command(
    name: str,
    rules: Path | None,
    seeds: Path | None,
    template: Path | None,
    base: Path | None,
    output: Path | None,
    force: bool,
    uncertain: bool,
) -> None:
    """Write a scenario file with every variable, commented, ready to edit.

    Every variable is left empty for you to decide (forecast refuses the
    file until each has a value), or, with --from, starts at another
    scenario's input. With --extends, the file builds on another scenario:
    its inputs are comments, and only those you uncomment override them. A
    variable with a vocabulary default is a comment too. With --uncertain, each variable also shows, as a
    comment, an example of each uncertain form it takes: chances, a table
    of values, a range of whole numbers, a likelihood word.

    \b
    Example:
      forecast new ceasefire
      forecast new ceasefire --from scenarios/article_baseline.yaml
      forecast new my_view --uncertain
      forecast new paid_fighting --extends scenarios/heavy_fighting.yaml
    """
    from engine.render.scenario_file import render_scenario, uncertain_examples

    if output is None and not SCENARIO_NAME.match(name):
        stem = name.removesuffix(".yaml")
        hint = f"did you mean '{stem}'? " if SCENARIO_NAME.match(stem) else ""
        raise InputError(
            f"{name!r} is not a scenario name",
            key="NAME",
            suggestion=f"{hint}use letters, digits, '_' and '-': it names scenarios/NAME.yaml; -o PATH writes anywhere else",
        )
    if template is not None and base is not None:
        raise InputError("--from and --extends both give the inputs", key="--extends", suggestion="choose one")
    target = output or Path("scenarios") / f"{name}.yaml"
    to_stdout = str(target) == "-"
    if not to_stdout and (target.exists() or target.is_symlink()) and not force:
        raise InputError("file exists", key=str(target), suggestion="pass --force to overwrite, or choose another NAME")
    from engine.cli.rulebase import find_rule_base

    read = template or base
    rules = find_rule_base(rules, read)
    options.note_check_command(rules, seeds, *([read] if read else []))
    engine = options.open_engine(rules, seeds)
    vocabulary = engine.vocabulary
    values = dict(engine.read_scenario(template).inputs) if template else {}
    shown = "forecast SCENARIO.yaml" if to_stdout else f"forecast {target.as_posix()}"
    decide = (
        "Every variable needs a value."
        if template
        else "Every variable is left empty for you to decide: forecast refuses the file\nuntil each one has a value."
    )
    if base is not None:
        decide = "It extends another scenario: each input you leave out is the base's."
    if not template and any(variable.default is not None for variable in vocabulary.variables.values()):
        decide += "\nA variable written as a comment has a default: left out, it takes it."
    header = f"Scenario for `{shown}`.\n{decide}\nAdd an `expect:` section to have `forecast` and the tests check the stances."
    examples = None
    if uncertain:
        examples = uncertain_examples(vocabulary, engine.lexicon())
        header += (
            "\nAn input you are unsure of can be uncertain: each variable's comment shows the forms it\n"
            "takes. A forecast then gives each outcome's chances, exact or by Monte Carlo."
        )
    extends, inherited = None, None
    if base is not None:
        import os

        extended = engine.read_scenario(base)
        inherited = {name: given for name, given in extended.inputs.items() if name not in extended.defaulted}
        folder = Path.cwd() if to_stdout else target.parent
        extends = Path(os.path.relpath(base.resolve(), folder.resolve())).as_posix()
        header += f"\nThe inputs of {extends} are comments: uncomment one to override it."
    text = render_scenario(vocabulary, name, values, header=header, examples=examples, extends=extends, inherited=inherited)
    options.emit(text, target)
    if not to_stdout:
        options.emit(f"wrote {target.as_posix()}\n", None)


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

    options.note_check_command(rules, seeds)
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
    import sys

    from engine.cli.terminal import output_width
    from engine.render.listing import listing

    options.note_check_command(rules, seeds)
    data = listing(options.open_engine(rules, seeds).rule_base, what)
    if fmt == "json":
        options.emit(json.dumps(data.to_json(), indent=2, ensure_ascii=False) + "\n", None)
    else:
        options.emit(data.render_text(output_width(sys.stdout)), None)

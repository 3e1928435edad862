"""`forecast migrate`: rewrite a rule base's scenario files written for forecast 1.x (engine.migrate)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click

from engine.cli import options
from engine.cli.options import DIRECTORY
from engine.errors import InputError, Location
from engine.model import UNCERTAIN
from engine.resolve.results import Forecast


@click.command("migrate")
@click.argument("directory", type=DIRECTORY, default=Path("."), required=False)
@click.option("--dry-run", is_flag=True, help="Print what would change, and change nothing.")
def migrate_command(directory: Path, dry_run: bool) -> None:
    """Rewrite the scenarios and checks.yaml in DIRECTORY written for forecast 1.x.

    A 1.x expectation pinned the set verdict (`outcome`, `stances` and the
    statuses `consensus`, `compatible`, `conflict`, `no-stance`). Each one
    becomes `speakers` (who spoke, as written), `status` and `favours`
    (worked out anew: "may curtail" no longer reads as "will curtail"), and
    `outcome` is dropped (its reading is `--lexicon literal`). Each change
    is printed with what was there; every other line stays as it is. Every
    file is checked before any is written, each is replaced whole, and a
    second run changes nothing. In rules/checks.yaml, an accepted
    `probabilistic-self-conflict` becomes a `self-conflict` (judged under
    every lexicon; without `lexicon:` it is accepted under any).

    \b
    Example:
      forecast migrate
      forecast migrate path/to/base --dry-run
    """
    from engine.load.rulebase import CHECKS_FILE
    from engine.load.scenario import input_problems
    from engine.load.yamlfile import load_yaml
    from engine.migrate import Migrated, migrate_checks, migrate_file, old_questions
    from engine.writing import write_atomically

    rules = directory / "rules"
    folder = directory / "scenarios"
    if not folder.is_dir():
        raise InputError(
            "no scenarios folder here", location=Location(folder), suggestion="give the folder that holds rules/ and scenarios/"
        )
    checks = migrate_checks(rules / CHECKS_FILE)
    found: list[Migrated] = [checks] if checks is not None else []
    with tempfile.TemporaryDirectory() as scratch:
        if checks is not None:  # the rule base is opened as it will be: with its checks migrated, nothing written yet
            shutil.copytree(rules, Path(scratch) / "rules")
            (Path(scratch) / "rules" / CHECKS_FILE).write_text(checks.text, encoding="utf-8")
            engine = options.open_engine(Path(scratch) / "rules", directory / "seeds")
        else:
            engine = options.open_engine(rules, None)
        for path in sorted(folder.rglob("*.yaml")):
            document = load_yaml(path)
            if not old_questions(document.data):
                continue
            inputs, problems = input_problems(engine.vocabulary, document.data.get("variables", {}), engine.lexicon(), "")
            if problems:
                key, message, suggestion = problems[0]
                raise document.error(("variables", *key), message, suggestion)
            values = {name: given for name, given in inputs.items() if not isinstance(given, UNCERTAIN)}
            if len(values) != len(inputs):  # 1.x never allowed these keys beside chances
                raise document.error(("expect",), "a scenario with chances cannot pin a status", "keep 'bounds' and 'pooled' only")
            forecast = engine.forecast(values)

            def verdict(question: str, forecast: Forecast = forecast) -> tuple[str, tuple[str, ...] | None]:
                result = forecast.question(question)
                return result.status, result.verdict.favours

            migrated = migrate_file(path, verdict)
            if migrated is not None:
                found.append(migrated)
    for migrated in found:
        click.echo(f"{migrated.path}:")
        for change in migrated.changes:
            click.echo(f"  {change}")
    if not dry_run:
        for migrated in found:
            write_atomically(migrated.path, migrated.text, rewrite=True)
    verb = "would migrate" if dry_run else "migrated"
    click.echo(f"{verb} {len(found)} file{'s' if len(found) != 1 else ''}" + ("" if found else ": all current"))

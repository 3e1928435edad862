"""What the commands share: the rule base options, paths, opening the engine, and writing output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from engine.errors import InputError, Location, one_line
from engine.writing import write_atomically

if TYPE_CHECKING:
    from engine.model import Scenario
    from engine.pipeline import Engine, MatcherName

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "CHECK_COMMAND",
    "DIRECTORY",
    "FILE",
    "emit",
    "found_rule_base_options",
    "jobs_option",
    "note_check_command",
    "open_engine",
    "output_option",
    "refuse_implicit",
    "rule_base_options",
    "strict_option",
    "write_atomically",
]


class UserPath(click.Path):
    """A path that the command checks itself, when it reads or writes it, with one located line.

    click would refuse a missing, unreadable or wrong kind of path with its
    multi-line usage error; here it only completes the name in a shell (a
    file, or with `file_okay=False` a directory).
    """

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return Path(value)


FILE = UserPath(dir_okay=False, path_type=Path)
DIRECTORY = UserPath(file_okay=False, path_type=Path)


lexicon_option = click.option(
    "--lexicon",
    metavar="NAME",
    default=None,
    help="Read hedge words with this lexicon (`forecast list lexicons`).  [default: the rule base's]",
)
"""`--lexicon NAME`, as every command that reads hedges takes it."""


def rule_base_options(command: F) -> F:
    """--rules and --seeds, shared by every command that reads a rule base."""
    return _rule_base_options(command, Path("rules"), "Rule base directory.")


def found_rule_base_options(command: F) -> F:
    """--rules and --seeds for a command that reads a scenario: without --rules, the rule base is found from it (`engine.cli.rulebase`)."""
    where = "the nearest rules/ at or above the scenario's folder, else $FORECAST_RULES, else ./rules"
    return _rule_base_options(command, None, f"Rule base directory.  [default: {where}]")


def _rule_base_options(command: F, default: Path | None, help_text: str) -> F:
    command = click.option(
        "--seeds",
        "seeds",
        type=DIRECTORY,
        default=None,
        help="Seed texts directory.  [default: seeds/ beside the rules directory]",
    )(command)
    return click.option(
        "--rules",
        "rules",
        type=DIRECTORY,
        default=default,
        show_default=default is not None,
        help=help_text,
    )(command)


def jobs_option(what: str) -> Callable[[F], F]:
    """`-j/--jobs N`: worker processes, 0 for one per core; `what` says what they do, e.g. "Forecast"."""
    return click.option(
        "-j",
        "--jobs",
        type=click.IntRange(min=0),
        default=1,
        show_default=True,
        metavar="N",
        help=f"{what} in N worker processes (0: one per core).",
    )


def output_option(command: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=FILE,
        default=None,
        help="Write to this file (atomically; a regular file only) instead of standard output; `-` is standard output.",
    )(command)


CHECK_COMMAND = "forecast.check_command"
"""Where a command leaves, in click's context, the `forecast check` line that reads the files it reads."""


def note_check_command(rules: Path, seeds: Path | None, *files: Path) -> None:
    """Remember the `forecast check` line that lists every problem of these files, for "(and 2 more problems: run ...)"."""
    import shlex

    words = ["forecast", "check"]
    if rules != Path("rules"):
        words += ["--rules", shlex.quote(rules.as_posix())]
    if seeds is not None and seeds != rules.parent / "seeds":
        words += ["--seeds", shlex.quote(seeds.as_posix())]
    words += [shlex.quote(path.as_posix()) for path in files]
    click.get_current_context().meta[CHECK_COMMAND] = " ".join(words)


def open_engine(rules: Path, seeds: Path | None, matcher: MatcherName = "durable") -> Engine:
    """The engine of a rule base, its notices on stderr; one place, so the tests can share one engine across commands."""
    from engine.pipeline import Engine

    engine = Engine.open(rules, seeds, matcher=matcher)
    for notice in engine.notices:
        click.echo(one_line(f"forecast: note: {notice}"), err=True)
    return engine


def matcher_option(command: F) -> F:
    return click.option(
        "--matcher",
        type=click.Choice(["durable", "compiled"]),
        default="durable",
        show_default=True,
        help="What evaluates the rules: durable_rules, or the rules compiled to Python (same answers, much faster).",
    )(command)


def strict_option(command: F) -> F:
    return click.option(
        "--strict",
        is_flag=True,
        help="Refuse a scenario that leaves an input to a vocabulary default or takes it from a scenario it extends.",
    )(command)


def refuse_implicit(scenario: Scenario, path: Path) -> None:
    """`--strict`: `InputError` naming every input the file does not give itself (a default, or a base's)."""
    implicit = [f"{name} ({scenario.origin(name)})" for name in (*scenario.defaulted, *scenario.inherited)]
    if implicit:
        raise InputError(
            f"--strict: {len(implicit)} input{'s' if len(implicit) > 1 else ''} not given by the file: {', '.join(implicit)}",
            location=Location(path),
            suggestion="write them under variables:, or run without --strict",
        )


def emit(text: str, output: Path | None) -> None:
    """All output at once: to stdout (no `-o`, or `-o -`), or to a file replaced atomically; control characters escaped.

    Every command's output goes through here, so that no text from a user's
    data reaches a terminal unescaped (`engine.cli.terminal.escaped`).
    """
    import sys

    from engine.cli.terminal import escaped, use_colour

    if output is None or str(output) == "-":
        click.echo(escaped(text, colour=use_colour(sys.stdout)), nl=False)
        return
    write_atomically(output, escaped(text))

"""What the commands share: the rule base options, opening the engine, and writing output."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from engine.errors import InputError

if TYPE_CHECKING:
    from engine.pipeline import Engine, MatcherName

F = TypeVar("F", bound=Callable[..., Any])


def rule_base_options(command: F) -> F:
    """--rules and --seeds, shared by every command that reads a rule base."""
    command = click.option(
        "--seeds",
        "seeds",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Seed texts directory.  [default: seeds/ beside the rules directory]",
    )(command)
    return click.option(
        "--rules",
        "rules",
        type=click.Path(path_type=Path),
        default=Path("rules"),
        show_default=True,
        help="Rule base directory.",
    )(command)


def output_option(command: F) -> F:
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write to this file (atomically) instead of standard output.",
    )(command)


def open_engine(rules: Path, seeds: Path | None, matcher: MatcherName = "durable") -> Engine:
    """The engine of a rule base, its notices on stderr; one place, so the tests can share one engine across commands."""
    from engine.pipeline import Engine

    engine = Engine.open(rules, seeds, matcher=matcher)
    for notice in engine.notices:
        click.echo(f"forecast: note: {notice}", err=True)
    return engine


def matcher_option(command: F) -> F:
    return click.option(
        "--matcher",
        type=click.Choice(["durable", "compiled"]),
        default="durable",
        show_default=True,
        help="What evaluates the rules: durable_rules, or the rules compiled to Python (same answers, much faster).",
    )(command)


def emit(text: str, output: Path | None) -> None:
    """All output at once: to stdout, or to a file replaced atomically."""
    if output is None:
        click.echo(text, nl=False)
        return
    write_atomically(output, text)


def write_atomically(path: Path, text: str) -> None:
    import tempfile

    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError("directory does not exist", location=None, key=str(directory), suggestion="create it first")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise InputError(
            f"cannot write: {error.strerror or error}", key=str(path), suggestion="check the directory's permissions"
        ) from None
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

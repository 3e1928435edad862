"""`forecast check`: validate without running, and optionally search the scenario space."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from engine.cli.options import rule_base_options


@click.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
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
def check_command(
    files: tuple[Path, ...],
    rules: Path,
    seeds: Path | None,
    scenarios_dir: Path | None,
    consistency: bool,
    counterexamples: Path | None,
    fmt: str,
) -> None:
    """Validate the rule base and scenarios without running them.

    Checks the schema of every file, every reference, every value's type,
    every quote and hedge against its seed, the seeds' hashes, negation
    cycles and the rule engine's limits, then the scenario FILES given (by
    default every scenario in scenarios/). Exits 0 when clean, 1 with the
    list of problems.

    \b
    Example:
      forecast check
      forecast check scenarios/my_scenario.yaml
      forecast check --consistency --write-counterexamples counterexamples/
    """
    from engine.checking import check_all

    if counterexamples is not None and not consistency:
        raise click.UsageError("--write-counterexamples needs --consistency")
    progress = _progress_bar if (consistency and fmt == "text" and sys.stderr.isatty()) else None
    result = check_all(
        rules, seeds, scenarios_dir, files=files, consistency=consistency, counterexamples=counterexamples, progress=progress
    )
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

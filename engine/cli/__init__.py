"""The `forecast` command: a thin client of the library.

Each command parses its arguments, makes one library call and renders the
result. Every error the engine raises on purpose is a `ForecastError` and
carries its exit code; this module is the one place that turns it into a
line on stderr and that code (`--debug` shows the traceback instead).
Exit codes: 0 done; 1 the work found problems or failed; 2 the user's input
is wrong.
"""

from __future__ import annotations

import os
from importlib import import_module
from typing import Any

import click

from engine.errors import EngineFailure, ForecastError, InputError

GROUP_OPTIONS = {"--debug", "--version", "--help", "-h"}
COMMANDS = {
    "run": "engine.cli.run:run_command",
    "check": "engine.cli.check:check_command",
    "new": "engine.cli.files:new_command",
    "schema": "engine.cli.files:schema_command",
    "list": "engine.cli.files:list_command",
}
"""Each command and where it is defined: a run imports only the command it runs."""


class ForecastGroup(click.Group):
    """A group whose default command is `run`, and the one place errors become exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name].split(":")
        command: click.Command = getattr(import_module(module), name)
        return command

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for position, arg in enumerate(args):
            if arg in GROUP_OPTIONS:
                continue
            if arg not in COMMANDS:
                args = [*args[:position], "run", *args[position:]]
            break
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except ForecastError as error:
            if debug:
                raise
            if isinstance(error, InputError):
                click.echo(f"forecast: error: {error}", err=True)
            elif isinstance(error, EngineFailure):
                click.echo(f"forecast: engine failure: {error} (run with --debug for the traceback)", err=True)
            else:
                click.echo(f"forecast: {error}", err=True)
            ctx.exit(error.exit_code)
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


def main() -> None:
    # pydantic scans every installed package's entry points for plugins on
    # first use; the command uses none, and the scan costs more than a run.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    cli(prog_name="forecast")

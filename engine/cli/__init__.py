"""The `forecast` command: a thin client of the library.

Each command parses its arguments, makes one library call and renders the
result. Every error the engine raises on purpose is a `ForecastError` and
carries its exit code; this module is the one place that turns it, an
interrupt or an unexpected exception into one line on stderr and that code
(`--debug` adds the traceback; the code stays the same).
Exit codes: 0 done; 1 the work found problems or failed; 2 the user's input
is wrong; 3 the time budget ran out before the work was done; 130 and 143
SIGINT (Ctrl-C) and SIGTERM stopped it.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, NoReturn

import click

from engine import inputs
from engine.cli.interrupts import checkpoint, stopping_on_signals
from engine.cli.options import CHECK_COMMAND
from engine.errors import EngineFailure, ForecastError, InputError, Interrupted, RuleBaseInvalid, one_line
from engine.signals import reported

GROUP_OPTIONS = {"--debug", "--version", "--help", "-h"}
COMMANDS = {
    "run": "engine.cli.run:run_command",
    "batch": "engine.cli.batch:batch_command",
    "check": "engine.cli.check:check_command",
    "new": "engine.cli.files:new_command",
    "schema": "engine.cli.files:schema_command",
    "list": "engine.cli.files:list_command",
    "flips": "engine.cli.explore:flips_command",
    "why-not": "engine.cli.explore:why_not_command",
    "sweep": "engine.cli.explore:sweep_command",
    "matrix": "engine.cli.explore:matrix_command",
    "migrate": "engine.cli.migrate:migrate_command",
    "test": "engine.cli.expecting:test_command",
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
        # --debug may come anywhere before a `--`; it is the group's option, so it goes first.
        end = args.index("--") if "--" in args else len(args)
        if "--debug" in args[:end]:
            args = ["--debug", *(arg for arg in args[:end] if arg != "--debug"), *args[end:]]
        for position, arg in enumerate(args):
            if arg in GROUP_OPTIONS:
                continue
            if arg not in COMMANDS:
                args = [*args[:position], "run", *args[position:]]
            break
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        inputs.forget()  # a command never writes over a file it read; the files of an earlier command in this process are no concern
        try:
            with stopping_on_signals():
                result = super().invoke(ctx)
                checkpoint()
                return result
        except click.UsageError as error:  # click's own three lines, usage and all, made one
            where = f" (see '{error.ctx.command_path} --help')" if error.ctx is not None else ""
            _fail(ctx, debug, f"error: {error.format_message()}{where}", error.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt as error:
            stopped = error if isinstance(error, Interrupted) else Interrupted()
            reported()
            _fail(ctx, debug, str(stopped), stopped.exit_code)
        except ForecastError as error:
            if isinstance(error, RuleBaseInvalid) and error.more and CHECK_COMMAND in ctx.meta:
                error = error.suggesting(ctx.meta[CHECK_COMMAND])
            if isinstance(error, InputError):
                line = f"error: {error}"
            elif isinstance(error, EngineFailure):
                line = f"engine failure: {error}" + ("" if debug else " (run with --debug for the traceback)")
            else:
                line = str(error)
            _fail(ctx, debug, line, error.exit_code)
        except Exception as error:
            line = f"internal error: {type(error).__name__}: {error}" + ("" if debug else " (run with --debug for the traceback)")
            _fail(ctx, debug, line, 1)


def _fail(ctx: click.Context, debug: bool, line: str, exit_code: int) -> NoReturn:
    """The one way a command ends on an error: one line on stderr (after the traceback with --debug), and its exit code."""
    if debug:
        import traceback

        click.echo(traceback.format_exc(), err=True, nl=False)
    click.echo(f"forecast: {one_line(line)}", err=True)
    ctx.exit(exit_code)


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
@click.option("--debug", is_flag=True, help="Show the traceback of an error too (anywhere on the command line).")
@click.version_option(package_name="forecast", prog_name="forecast")
def cli(debug: bool) -> None:
    """Forecast scenarios from experts' conditional claims.

    `forecast SCENARIO.yaml` runs the `run` command: for each question, every
    expert's stance, whether they agree, and the reasoning with their words.
    """

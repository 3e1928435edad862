"""The `forecast` console entry point: the signal handlers go in before anything else runs.

Importing the command (click, the engine) takes tens of milliseconds; a
Ctrl-C in that time must not land in some import and print its traceback, so
`engine.signals` (which imports only what Python has already loaded at
start-up) installs its handlers first, and only then is the command imported.
"""

from __future__ import annotations

import os
import time

from engine.signals import install

_STARTED: list[float] = []
"""When `main` began (`time.monotonic()`): a time budget counts from there."""


def started() -> float:
    """When the command started (`time.monotonic()`): `main`'s start, or now when no `main` runs (a test's CliRunner)."""
    return _STARTED[0] if _STARTED else time.monotonic()


def main() -> None:
    """`forecast ...`: the handlers first, then the command."""
    _STARTED.append(time.monotonic())
    install()
    # pydantic scans every installed package's entry points for plugins on
    # first use; the command uses none, and the scan costs more than a run.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from engine.cli import cli

    cli(prog_name="forecast")

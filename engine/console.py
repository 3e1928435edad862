"""The `forecast` console entry point: the signal handlers go in before anything else runs.

Importing the command (click, the engine) takes tens of milliseconds; a
Ctrl-C in that time must not land in some import and print its traceback, so
`engine.signals` (which imports only what Python has already loaded at
start-up) installs its handlers first, and only then is the command imported.
"""

from __future__ import annotations

import os

from engine.signals import install


def main() -> None:
    """`forecast ...`: the handlers first, then the command."""
    install()
    # pydantic scans every installed package's entry points for plugins on
    # first use; the command uses none, and the scan costs more than a run.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from engine.cli import cli

    cli(prog_name="forecast")

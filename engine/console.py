"""The `forecast` console entry point: the signal handlers go in before anything else runs.

Importing the command (click, the engine) takes tens of milliseconds; a
Ctrl-C in that time used to land in some import and print its traceback.
This module imports only what Python has already loaded at start-up, and
installs its handlers first: until the command's own handlers take over
(`engine.cli.interrupts`), and again after them, SIGINT or SIGTERM ends
the process at once with one line and 130 or 143, since nothing has been
started that needs cleaning up. While a command runs, the first signal
unwinds it; a second one comes back here through `stop_now`, which kills
what `at_stop` registered (worker processes) and exits at once, so no
`finally`, `atexit` hook or join can hang or print a traceback. A signal
that was ignored when the process started (`nohup`) stays ignored.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import NoReturn

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_WORDS = {signal.SIGINT: "interrupted", signal.SIGTERM: "terminated"}

_stoppers: list[Callable[[], None]] = []
_reported: list[int] = []


def stop_now(number: int) -> NoReturn:
    """Kill what was registered, say so once (unless the command already did) and exit with 128 + the signal's number.

    Further signals are ignored from here on: a third Ctrl-C must not cut the stoppers short.
    """
    for other in SIGNALS:
        signal.signal(other, signal.SIG_IGN)
    for stopper in reversed(_stoppers):
        with suppress(BaseException):  # a stopper that fails must not keep the process alive
            stopper()
    if not _reported:
        line = f"forecast: {_WORDS.get(signal.Signals(number), 'stopped')} ({signal.Signals(number).name})\n"
        with suppress(OSError):
            os.write(2, line.encode())
    os._exit(128 + number)


def reported() -> None:
    """The command has printed its own line for the interrupt: `stop_now` prints none."""
    _reported.append(1)


@contextmanager
def at_stop(stopper: Callable[[], None]) -> Iterator[None]:
    """Within the block, `stop_now` calls `stopper` (which must not block) before it exits."""
    _stoppers.append(stopper)
    try:
        yield
    finally:
        _stoppers.remove(stopper)


def _at_once(number: int, frame: FrameType | None) -> None:
    stop_now(number)


def install() -> None:
    """SIGINT and SIGTERM end the process at once, except a signal ignored from the start; then they are let through.

    A process inherits its parent's blocked signals, and Python's `subprocess`
    keeps them: started from a thread that blocks SIGINT, `forecast` could not
    be stopped with Ctrl-C. A signal that arrived while blocked is delivered
    now, to these handlers.
    """
    for number in SIGNALS:
        if signal.getsignal(number) != signal.SIG_IGN:
            signal.signal(number, _at_once)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


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

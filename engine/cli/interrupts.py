"""SIGINT and SIGTERM during a command: both stop the work with `Interrupted`, and neither can be lost.

While a command runs, each signal raises `Interrupted` (130 for SIGINT, 143
for SIGTERM), a `KeyboardInterrupt`, so the work unwinds through every
`finally` and `with` (a progress bar shows the cursor again, a half-written
file is removed) to the one catch point in `engine.cli`. Code that swallows
an exception raised at the wrong moment (a garbage collector callback, a C
extension) could lose one, so each signal is also recorded: `checkpoint()`
raises it again, and the catch point ends the command as interrupted even
if the work went on to the end. Python reports an exception it had to
swallow ("Exception ignored in: ...", with a traceback); for an interrupt
that report is dropped, since the interrupt is not lost. A signal that was
ignored when the command started (`nohup`) stays ignored. A second signal
does not wait for the unwinding: it kills the worker processes and exits at
once (`engine.signals.stop_now`).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from engine.errors import Interrupted
from engine.signals import stop_now

SIGNALS = (signal.SIGINT, signal.SIGTERM)

_received: list[int] = []


def _stop(number: int, frame: FrameType | None) -> None:
    if _received:  # the second signal: the user will not wait for the unwinding
        stop_now(_received[0])
    _received.append(number)
    raise Interrupted(number)


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise `Interrupted` inside the block; the previous handlers come back after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _received.clear()
    previous = {number: signal.getsignal(number) for number in SIGNALS}
    reported = sys.unraisablehook

    def report(unraisable: sys.UnraisableHookArgs) -> None:
        if not (_received and isinstance(unraisable.exc_value, KeyboardInterrupt)):
            reported(unraisable)

    for number, handler in previous.items():
        if handler is not None and handler != signal.SIG_IGN:
            signal.signal(number, _stop)
    sys.unraisablehook = report
    try:
        yield
    finally:
        sys.unraisablehook = reported
        for number, handler in previous.items():
            if handler is not None and handler != signal.SIG_IGN:
                signal.signal(number, handler)


def checkpoint() -> None:
    """Raise `Interrupted` again if a signal arrived: its first exception may have been swallowed."""
    if _received:
        raise Interrupted(_received[0])

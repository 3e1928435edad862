"""Progress of long work, on stderr: a bar on a terminal, otherwise a line at most every few seconds.

A log file or CI job gets `forecast: consistency: 1,200 of 4,096 scenarios
(29%)` now and then, never a bar's carriage returns. Every bar is closed
when the block ends, however it ends, so a bar that hid the cursor shows it
again after an error or an interrupt.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

Update = Callable[[int, int], None]

EVERY = 5.0
"""Seconds between two progress lines when stderr is not a terminal."""


class _Bar:
    """click's progress bar, opened at the first update and closed at the last (or by `close`)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.done = 0

    def update(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.length = total  # work that finds more of itself as it goes (findings met while shrinking others)
        self.bar.update(done - self.done)
        self.done = done
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            bar, self.bar = self.bar, None
            bar.__exit__(None, None, None)


class _Lines:
    """A line of progress at most once every `every` seconds of `clock`; none for work that ends sooner."""

    def __init__(self, label: str, every: float, clock: Callable[[], float], unit: str) -> None:
        self.label = label
        self.unit = unit
        self.every = every
        self.clock = clock
        self.due: float | None = None

    def update(self, done: int, total: int) -> None:
        now = self.clock()
        if self.due is None:
            self.due = now + self.every
        elif now >= self.due and done < total:
            percent = 100 * done // total if total else 100
            click.echo(f"forecast: {self.label}: {done:,} of {total:,} {self.unit} ({percent}%)", err=True)
            self.due = now + self.every

    def close(self) -> None:
        """Nothing to undo."""


@contextmanager
def progress_on_stderr(
    terminal: bool | None = None, every: float = EVERY, clock: Callable[[], float] = time.monotonic
) -> Iterator[Callable[..., Update]]:
    """Yield a factory of progress callbacks (`label`, `unit` -> `update(done, total)`); every bar is closed on the way out."""
    on_terminal = sys.stderr.isatty() if terminal is None else terminal
    opened: list[_Bar | _Lines] = []

    def factory(label: str, unit: str = "scenarios") -> Update:
        reporter = _Bar(label) if on_terminal else _Lines(label, every, clock, unit)
        opened.append(reporter)
        return reporter.update

    try:
        yield factory
    finally:
        for reporter in opened:
            reporter.close()

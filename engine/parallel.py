"""Worker processes for `--jobs N`: a process pool that a command can stop at once.

Workers are started fresh (`spawn`), never forked: a forked child would
inherit the parent's threads' locks (durable_rules runs a thread) and its
signal handlers. They ignore SIGINT, which a terminal sends to the whole
process group: the parent alone decides what Ctrl-C does, and stops the
pool. Leaving the block, however it is left, cancels the work not started
and waits only for the chunks running, which are short.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager


def workers(jobs: int) -> int:
    """How many processes `--jobs N` asks for: N, or one per core for 0."""
    return jobs if jobs > 0 else os.cpu_count() or 1


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def process_pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers(jobs)` fresh processes, shut down on the way out without starting anything more."""
    import multiprocessing

    pool = ProcessPoolExecutor(max_workers=workers(jobs), mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

"""Worker processes for `--jobs N`: a process pool that a command can stop at once.

Workers are started fresh (`spawn`), never forked: a forked child would
inherit the parent's threads' locks (durable_rules runs a thread) and its
signal handlers. They are deaf to SIGINT, which a terminal sends to the
whole process group, from their first instruction: SIGINT is blocked in the
thread that starts them, and a blocked signal stays blocked across `exec`
(Python's own start-up would otherwise turn one into a traceback). The
parent alone decides what Ctrl-C does. Leaving the block normally waits for
the work; leaving it by an exception (an interrupt, an error) kills the
workers at once, and so does a second Ctrl-C wherever it lands
(`engine.signals.at_stop`), so no worker outlives the command and no
`atexit` join waits for one.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager, suppress
from multiprocessing.process import BaseProcess
from typing import ParamSpec, TypeVar

from engine.signals import at_stop

P = ParamSpec("P")
T = TypeVar("T")


def workers(jobs: int) -> int:
    """How many processes `--jobs N` asks for: N, or one per core for 0."""
    return jobs if jobs > 0 else os.cpu_count() or 1


POOL_PAYS = 500_000
"""Classes from which an exhaustive search in worker processes can pay for them (`auto_jobs`)."""


def auto_jobs(classes: int) -> int:
    """The jobs for a search of `classes` when none were asked for: one per core from `POOL_PAYS` classes on, else one.

    Spawned workers each import the engine and open the rule base, about a
    third of a second, before they count a class. Measured on 2 cores
    (`forecast check --consistency`, medians): the shipped base's 576
    classes took 0.35 s in one process and 0.64 s with `--jobs 2`; the
    16-variable base's 331,776 took 1.60 s either way; 2**19 = 524,288
    took 4.3 s in one and 4.2 s in two. Below `POOL_PAYS` workers never paid.
    """
    return 0 if classes >= POOL_PAYS and (os.cpu_count() or 1) > 1 else 1


class _Pool(ProcessPoolExecutor):
    """A process pool whose workers start with SIGINT blocked, and which can kill them."""

    def __init__(self, jobs: int) -> None:
        import multiprocessing

        super().__init__(max_workers=workers(jobs), mp_context=multiprocessing.get_context("spawn"))
        self.started: list[BaseProcess] = []

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        # Workers start on demand, here in the caller's thread; a SIGINT meanwhile waits, and is not lost.
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            future = super().submit(fn, *args, **kwargs)
            self.started += [process for process in (self._processes or {}).values() if process not in self.started]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return future

    def kill(self) -> None:
        """Kill every worker now (SIGKILL: they hold nothing that needs cleaning up)."""
        for process in self.started:
            with suppress(OSError, ValueError):  # already gone, or already closed
                process.kill()
        for process in self.started:
            process.join(timeout=1)  # reaped here, not left a zombie for init

    def stop(self) -> None:
        """For a second Ctrl-C: kill the workers and release the queues' semaphores before the process exits unwound."""
        from multiprocessing import util

        self.kill()
        util._run_finalizers(0)  # type: ignore[attr-defined]  # what exiting would run: closes queues, unlinks semaphores


@contextmanager
def process_pool(jobs: int) -> Iterator[ProcessPoolExecutor]:
    """A pool of `workers(jobs)` fresh processes; an exception, or a second Ctrl-C, kills them."""
    pool = _Pool(jobs)
    with at_stop(pool.stop):
        try:
            yield pool
        except BaseException:
            pool.kill()
            pool.shutdown(wait=False, cancel_futures=True)
            for process in pool.started:
                process.join()
            raise
        pool.shutdown(wait=True, cancel_futures=True)

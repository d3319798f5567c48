"""Work units checked in worker processes, where one unit's failure stays that unit's problem.

Each worker takes one unit at a time, named by its index: with the ``fork`` start method the
units and the checking function are inherited, so only an index and the unit's result (JSON
text) ever cross the process boundary, and nothing a run holds needs to be picklable. Because
the parent knows which unit each worker holds, an exception, a worker killed by a signal (the
out-of-memory killer, say) or a reply that cannot be read becomes a failure of exactly that
unit; a new worker takes the next unit and the run completes.

The parent owns its workers: no executor thread, no exit handler waiting on a queue. However
the run ends (finished, an error, SIGINT, SIGTERM) the workers are told to stop or are
terminated, and joined, before this module returns or raises.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

Unit = TypeVar("Unit")

#: How long a worker told to stop may take to exit before it is terminated.
_STOP_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class UnitFailure:
    """A unit that could not be checked, and why (one line)."""

    reason: str


class WorkersUnavailable(Exception):
    """Worker processes cannot be started here (no fork, and what they need cannot be
    pickled for spawn, say); the caller checks in its own process instead."""


def worker_setup() -> None:
    """Workers leave signals to the parent, which stops them; they never print tracebacks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _serve(connection: Connection, units: Sequence[Any], check: Callable[[Any], str]) -> None:
    """A worker: check the unit whose index arrives, answer, repeat until told to stop."""
    worker_setup()
    while True:
        try:
            index = connection.recv()
        except (EOFError, OSError):
            return
        if index is None:
            return
        try:
            reply: tuple[int, bool, str] = (index, True, check(units[index]))
        except BaseException as error:  # any failure is this unit's, never the worker's end
            reply = (index, False, f"{type(error).__name__}: {_one_line(str(error))}")
        connection.send(reply)


@dataclass
class _Worker:
    process: Any  # multiprocessing.process.BaseProcess
    connection: Connection
    holding: int | None = None


class _Pool(Generic[Unit]):
    def __init__(
        self, units: Sequence[Unit], check: Callable[[Unit], str], workers: int
    ) -> None:
        methods = multiprocessing.get_all_start_methods()
        self.context: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.units = units
        self.check = check
        self.size = max(1, min(workers, len(units)))
        self.pending: deque[int] = deque(range(len(units)))
        self.results: dict[int, str | UnitFailure] = {}
        self.workers: list[_Worker] = []
        #: Units whose worker died once: they get one more try, so a worker the system killed
        #: for reasons of its own does not fail the unit it happened to hold.
        self.retried: set[int] = set()

    def start_worker(self) -> None:
        parent_end, child_end = self.context.Pipe()
        process = self.context.Process(
            target=_serve, args=(child_end, self.units, self.check), daemon=True
        )
        try:
            process.start()
        except Exception as error:  # spawn pickles what the worker needs: it may not pickle
            parent_end.close()
            raise WorkersUnavailable(f"{type(error).__name__}: {error}") from None
        finally:
            child_end.close()
        worker = _Worker(process, parent_end)
        self.workers.append(worker)
        self.hand_out(worker)

    def hand_out(self, worker: _Worker) -> None:
        worker.holding = self.pending.popleft() if self.pending else None
        if worker.holding is not None:
            with contextlib.suppress(OSError):  # the worker is gone; its sentinel says so
                worker.connection.send(worker.holding)

    def run(self, progress: Callable[[int, int], None] | None) -> list[str | UnitFailure]:
        while len(self.workers) < self.size and self.pending:
            self.start_worker()
        while len(self.results) < len(self.units):
            busy = [worker for worker in self.workers if worker.holding is not None]
            if not busy:  # unreachable while units are outstanding; never wait on nothing
                if not self.pending:
                    break
                self.start_worker()
                continue
            ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy])
            for worker in busy:
                if worker.connection in ready or worker.process.sentinel in ready:
                    done = len(self.results)
                    self.collect(worker)
                    if progress is not None and len(self.results) > done:
                        progress(len(self.results), len(self.units))
        return [
            self.results.get(index, UnitFailure("internal error: the unit was never checked"))
            for index in range(len(self.units))
        ]

    def collect(self, worker: _Worker) -> None:
        """Take a worker's answer; a worker that died answers with how it died."""
        held = worker.holding
        if held is None:
            return
        reply = _receive(worker.connection)
        if reply is not None and reply[0] == held:
            _, ok, payload = reply
            self.results[held] = payload if ok else UnitFailure(f"internal error: {payload}")
            self.hand_out(worker)
            return
        worker.process.join(1.0)
        if held in self.retried:
            self.results[held] = UnitFailure(_death(worker.process.exitcode))
        else:
            self.retried.add(held)
            self.pending.appendleft(held)
        worker.holding = None
        worker.connection.close()
        self.workers.remove(worker)
        if self.pending:
            self.start_worker()

    def stop(self, interrupted: bool) -> None:
        for worker in self.workers:
            if interrupted:
                worker.process.terminate()
            else:
                with contextlib.suppress(OSError):
                    worker.connection.send(None)
        for worker in self.workers:
            worker.process.join(0.5 if interrupted else _STOP_GRACE_SECONDS)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self.workers.clear()


def check_in_workers(
    units: Sequence[Unit],
    check: Callable[[Unit], str],
    workers: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[str | UnitFailure]:
    """``check(unit)`` for every unit in worker processes, in input order: its text, or how
    it failed. Raises :class:`WorkersUnavailable` when no worker process can be started."""
    pool = _Pool(units, check, workers)
    finished = False
    try:
        results = pool.run(progress)
        finished = True
        return results
    finally:
        pool.stop(interrupted=not finished)


def _receive(connection: Connection) -> tuple[int, bool, str] | None:
    try:
        if not connection.poll():
            return None
        reply = connection.recv()
    except (EOFError, OSError, ValueError, TypeError, AttributeError, ImportError):
        return None  # a reply cut short by the worker's death, or one that cannot be read
    if (
        isinstance(reply, tuple) and len(reply) == 3 and isinstance(reply[0], int)
        and isinstance(reply[1], bool) and isinstance(reply[2], str)
    ):
        return reply
    return None


def _death(exitcode: int | None) -> str:
    """How a worker ended, for the problem line of the unit it held."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the worker process checking it was killed ({name})"
    if exitcode is None:
        return "the worker process checking it stopped answering"
    return f"the worker process checking it exited unexpectedly (exit code {exitcode})"


def _one_line(text: str) -> str:
    return " ".join(text.split())

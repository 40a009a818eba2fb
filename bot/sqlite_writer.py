"""One thread that owns a SQLite connection and does the work handed to it, in order.

Coroutines hand it work and await the outcome, so sqlite never runs on the event loop. Work
that arrives together is committed in one transaction (200 votes at once are one commit, not
200 fights over a lock), and a caller hears back only after the commit: what was confirmed
survives a restart. A database that can't be used (locked past the busy timeout, read-only,
full, corrupt) gives each job its `lost` outcome and logs one warning when it starts failing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

T = TypeVar("T")
MAX_BATCH = 500  # jobs committed in one transaction
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_LOST = object()  # the outcome of a job undone alone (it broke a constraint)


class UnusableDatabase(Exception):
    """The database can't be used as it is, for a reason the message says (no traceback)."""


class Pending(Generic[T]):
    """Work already queued for the writer thread; await it (or call `result`) for its outcome.

    Queued when the call is made, not when awaited: work is done in the order it was asked
    for, and nobody has to wait for the disk who doesn't need the outcome.
    """

    __slots__ = ("future",)

    def __init__(self, future: concurrent.futures.Future[T]) -> None:
        self.future = future

    def __await__(self) -> Generator[Any, None, T]:
        return asyncio.wrap_future(self.future).__await__()

    def result(self, timeout: float | None = None) -> T:
        return self.future.result(timeout)


@dataclass
class _Job:
    work: Callable[[sqlite3.Connection], Any]
    future: concurrent.futures.Future[Any]
    lost: Any  # the outcome when the database fails
    writes: bool = True


class SqliteWriter:
    """The thread that writes the SQLite file `path`; it starts on first use.

    `prepare(connection)` runs on every new connection (migrations, say). `busy_timeout` and
    `attempts`: how long a write waits for a lock another process holds, and how often it
    tries. After a failure the database is left alone for `pause` seconds (jobs fail at once
    meanwhile), so a broken disk doesn't slow every caller down. `what` names what is lost,
    for the warning, which goes to `log`.
    """

    def __init__(
        self,
        path: Path,
        prepare: Callable[[sqlite3.Connection], None],
        *,
        what: str,
        log: logging.Logger,
        busy_timeout: float = 1.0,
        attempts: int = 3,
        pause: float = 5.0,
    ) -> None:
        self.path, self.prepare, self.what, self.log = Path(path), prepare, what, log
        self.busy_timeout, self.attempts, self.pause = busy_timeout, attempts, pause
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        # The rest belongs to the writer thread.
        self._conn: sqlite3.Connection | None = None
        self._failing = False
        self._paused_until = 0.0
        # Undoes the in-memory changes of the transaction in progress, should it fail.
        self._undo: list[Callable[[], object]] = []

    def __repr__(self) -> str:
        return f"SqliteWriter({str(self.path)!r})"

    def submit(
        self, work: Callable[[sqlite3.Connection], T], lost: T, *, writes: bool = True
    ) -> Pending[T]:
        """Queue `work(connection)`: in the next transaction, or after it when not `writes`."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
                self._thread.start()
            self._queue.put(_Job(work, future, lost, writes))
        return Pending(future)

    def on_rollback(self, undo: Callable[[], object]) -> None:
        """From inside a job: how to take back an in-memory change if its work is undone."""
        self._undo.append(undo)

    def close(self, timeout: float = 10.0) -> None:
        """Finish the work queued so far and close the database (it reopens on next use)."""
        with self._start_lock:
            thread, self._thread = self._thread, None
            if thread is None:
                return
            self._queue.put(None)
        thread.join(timeout)

    # -- the thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        stop = False
        while not stop:
            job = self._queue.get()
            if job is None:
                break
            batch = [job]
            while len(batch) < MAX_BATCH:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                batch.append(job)
            self._execute(batch)
        self._disconnect()

    def _execute(self, batch: list[_Job]) -> None:
        """Run a batch: its writes in one transaction, then its reads; all lost on a failure."""
        writes = [job for job in batch if job.writes]
        reads = [job for job in batch if not job.writes]
        done = time.monotonic() >= self._paused_until and self._attempt(writes, reads)
        for i, job in enumerate(writes + reads):
            job.future.set_result(done[i] if done and done[i] is not _LOST else job.lost)

    def _attempt(self, writes: list[_Job], reads: list[_Job]) -> list[Any] | None:
        """Each job's outcome (`_LOST` for a job undone alone), None when all were lost."""
        for attempt in range(1, self.attempts + 1):
            try:
                conn = self._connect()
                changes = conn.total_changes
                outcomes = self._transaction(conn, writes) if writes else []
                wrote = conn.total_changes > changes
                outcomes += [job.work(conn) for job in reads]
            except sqlite3.Error as exc:
                self._disconnect()
                if getattr(exc, "sqlite_errorcode", None) in _BUSY and attempt < self.attempts:
                    continue  # the connection already waited busy_timeout for the lock
                self._fault(exc)
            except Exception as exc:  # noqa: BLE001 - whatever it is, the callers carry on
                self._disconnect()
                self._fault(exc)
            else:
                # Only a write proves it works again: a read-only file still answers reads.
                if self._failing and wrote:
                    self.log.warning("The database %s works again.", self.path)
                    self._failing = False
                return outcomes
            return None
        raise AssertionError("unreachable")  # pragma: no cover

    def _transaction(self, conn: sqlite3.Connection, jobs: list[_Job]) -> list[Any]:
        """Every job in one transaction; a job that breaks a constraint is undone alone."""
        self._undo.clear()
        conn.execute("BEGIN IMMEDIATE")
        try:
            outcomes: list[Any] = []
            for job in jobs:
                undone = len(self._undo)
                conn.execute("SAVEPOINT job")
                try:
                    outcomes.append(job.work(conn))
                except sqlite3.IntegrityError as exc:  # e.g. a key given twice
                    conn.execute("ROLLBACK TO job")
                    self._rewind(undone)
                    self.log.info("not kept: %s", exc)
                    outcomes.append(_LOST)
                conn.execute("RELEASE job")
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.rollback()
            self._rewind(0)
            raise
        self._undo.clear()
        return outcomes

    def _rewind(self, keep: int) -> None:
        """Undo the in-memory changes made after the first `keep`, latest first."""
        while len(self._undo) > keep:
            self._undo.pop()()

    def _fault(self, exc: Exception) -> None:
        """One warning when the database starts failing; the rest go to the debug log."""
        self._paused_until = time.monotonic() + self.pause
        if self._failing:
            self.log.debug("database %s still failing: %s", self.path, exc)
            return
        self._failing = True
        self.log.warning(
            "The database %s can't be used (%s: %s); %s are not being kept, answers go on. "
            "Trying again every %g s.",
            self.path,
            type(exc).__name__,
            exc,
            self.what,
            self.pause,
            exc_info=not isinstance(exc, sqlite3.Error | OSError | UnusableDatabase),
        )

    def _connect(self) -> sqlite3.Connection:
        if self._conn is not None:
            return self._conn
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
        )
        try:
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a commit is on disk before the caller hears it was kept.
            conn.execute("PRAGMA synchronous = FULL")
            self.prepare(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _disconnect(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None

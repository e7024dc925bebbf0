"""Group commit: the rows of requests arriving together are written in one transaction.

Slack's users come in bursts (a team pasting its drafts at once; benchmarks/slack_load.py sends
20 at a time), and every acknowledged request must be stored durably before its answer
(inbox.py). One transaction per request costs one WAL flush (an fsync on PostgreSQL) per
request and, on SQLite, one turn of the file's single write lock each: under a burst of 20 the
last ack waited for 19 commits before its own. Here one writer thread takes every row queued
while the previous commit ran and writes them in one transaction, then wakes each waiting
request: a burst costs 1-3 commits instead of 20, with nothing weakened: `submit` returns only
after its row's transaction committed, and raises (for every row of the batch) when it did not,
so no caller can acknowledge a request whose row is not stored.

Why a thread and not "whoever comes first writes for the others": the request threads then do
no database work at all (no driver calls, each of which gives up the GIL and may wait behind
lazy workers to get it back), and a batch never waits for a request thread to be scheduled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

logger = logging.getLogger("brandgate.slack.group_commit")

T = TypeVar("T")

#: rows written in one transaction at most (a bound on one statement's size; a burst larger
#: than this takes more than one commit)
MAX_BATCH = 64


class GroupCommitClosed(RuntimeError):
    """`submit` after `close`: nothing was written."""


class GroupCommitFailed(RuntimeError):
    """The batch holding this row was not committed (its cause is the write's error). A new
    exception per waiter: the write's own is shared by every waiter of the batch, and raising
    one exception object in several threads at once would interleave their tracebacks."""


class _Waiter(Generic[T]):
    __slots__ = ("done", "error", "item")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = threading.Event()
        self.error: BaseException | None = None


class GroupCommit(Generic[T]):
    """`submit(item)` blocks until `write` committed a batch holding `item`.

    `write(items)` must write every item in one transaction and return only once it committed
    (raise otherwise). It runs on `writers` threads of this object's own, each writing one batch
    at a time: a row arriving while every writer is busy waits for the next free one and goes
    in with every other row queued by then. With one writer (SQLite: one write lock per file
    anyway) batches are never written concurrently. PostgreSQL commits of different sessions
    overlap (and share WAL flushes), so there several writers keep a commit from waiting for
    the previous one: with a single writer, rows trickling in one by one each waited for a
    whole commit before theirs (benchmarks/slack_load.py: inbox p50 75 ms instead of 26).
    """

    def __init__(
        self,
        write: Callable[[Sequence[T]], None],
        *,
        max_batch: int = MAX_BATCH,
        writers: int = 1,
        name: str = "brandgate-group-commit",
    ) -> None:
        if max_batch < 1 or writers < 1:
            raise ValueError("max_batch and writers must be at least 1")
        self._write = write
        self.max_batch = max_batch
        self.writers = writers
        self._name = name
        self._cond = threading.Condition()
        self._pending: list[_Waiter[T]] = []
        self._closed = False
        self._threads: list[threading.Thread] = []
        #: rows of the batches being written now (0 between batches)
        self.in_flight = 0
        #: batches written and rows in them (for tests and the benchmark's figures)
        self.batches = 0
        self.rows = 0

    def submit(self, item: T) -> None:
        """Return once `item` is committed; raise what the batch's write raised if it was not."""
        waiter = _Waiter(item)
        with self._cond:
            if self._closed:
                raise GroupCommitClosed("the group commit is closed")
            if not self._threads:  # started on first use: an idle process has no thread
                for n in range(self.writers):
                    thread = threading.Thread(
                        target=self._run, name=f"{self._name}-{n}", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)
            self._pending.append(waiter)
            self._cond.notify_all()
        waiter.done.wait()
        if waiter.error is not None:
            err = waiter.error
            raise GroupCommitFailed(f"not stored: {type(err).__name__}: {err}") from err

    def close(self, timeout: float = 10.0) -> None:
        """Write what is queued, then stop the thread; later `submit`s raise."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            threads = list(self._threads)
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending:
                    return  # closed and drained
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
                self.in_flight += len(batch)
            self._commit(batch)
            with self._cond:
                self.in_flight -= len(batch)

    def _commit(self, batch: list[_Waiter[T]]) -> None:
        try:
            self._write([w.item for w in batch])
        except BaseException as err:  # every waiter of the batch learns it was not stored
            logger.warning("group commit of %d rows failed: %s", len(batch), type(err).__name__)
            for w in batch:
                w.error = err
        else:
            with self._cond:
                self.batches += 1
                self.rows += len(batch)
        for w in batch:
            w.done.set()

"""`serve --http`'s worker process: the slow work kept away from the acks' GIL.

In one process the threads answering Slack share one GIL with the lazy work (spaCy checks,
database writes) and the dispatcher (rendering, Slack calls); an ack gives the GIL up at every
socket and database call and may wait to get it back behind them.

So `serve --http --worker-process` (opt-in) runs two processes. benchmarks/slack_load.py on
the 2-core machine, load about 1: the HTTP process's CPU fell from ~80 s to ~3 s per run and
ack p99 on PostgreSQL from 299 ms to 153 ms (one run each); on SQLite it stayed at ~185 ms. The
rest of the tail is the inbox INSERT's commit (PostgreSQL p99 ~72 ms at load 0.2) and, on
SQLite, the inbox file's write lock, which the worker also takes. Lowering the worker's CPU
priority was tried then and made SQLite worse (p99 367 ms): a worker descheduled while it held
that lock kept the acks waiting. Since the inbox's writes are single statements without BEGIN
(inbox.py), the lock is held only while SQLite runs one, and the worker runs at niceness
+WORKER_NICENESS again.
tests/slack/test_replicas.py runs two such replicas as real processes, one SIGKILLed.

The HTTP process (`Runtime.build(handover=True)`) only
verifies each request, stores its inbox row and answers; this one claims the row at once
(inbox.py "Hand-over"), does the work, and runs the outbox dispatcher and the timers. The HTTP
process wakes it through a multiprocessing Event after each stored row and each message its
other listeners queued; without a wake it still looks every RENEW_SECONDS.

Crash recovery is the inbox's own: a row stored but not done is claimed again once its lease
ends, by this worker restarted (the HTTP process restarts it when it dies) or by any other
`serve`; the row's key makes a second run find the draft the first stored. The worker exits
when its parent dies, even by SIGKILL, so a killed replica leaves nothing running.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
from multiprocessing.connection import wait as wait_for_objects
from multiprocessing.synchronize import Event
from typing import Any

from bot.config import Settings
from bot.slack import logs
from bot.slack.inbox import RENEW_SECONDS

logger = logging.getLogger("brandgate.slack.worker")

#: seconds between restarts of a worker that keeps dying (a database away at its start)
RESTART_BACKOFF_SECONDS = 1.0
#: added to the worker's niceness: on a busy machine the kernel runs the HTTP process (the
#: acks, Slack's 3 s) before spaCy's checks. Safe only since the inbox's writes hold SQLite's
#: lock just while SQLite runs one statement (inbox.py): before, a descheduled worker could sit
#: on that lock with the acks waiting behind it (p99 367 ms, tried and dropped then).
WORKER_NICENESS = 10


class WorkerProcess:
    """The HTTP process's handle on its worker: start, wake, watch, restart, stop.

    `runtime_options` go to the worker's `Runtime.build` (the benchmark's poll interval)."""

    def __init__(
        self, settings: Settings, *, log_level: str = "INFO", **runtime_options: Any
    ) -> None:
        self._ctx = mp.get_context("spawn")  # never fork a process that has threads running
        self._wake = self._ctx.Event()
        self._ready = self._ctx.Event()
        self._stop = self._ctx.Event()
        self._settings = settings
        self._log_level = log_level
        self._options = runtime_options
        self._process: Any = None
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        #: how many times a worker that died was replaced
        self.restarts = 0

    def start(self) -> WorkerProcess:
        self._spawn()
        self._watcher = threading.Thread(
            target=self._supervise, name="brandgate-worker-watch", daemon=True
        )
        self._watcher.start()
        return self

    def _spawn(self) -> None:
        self._ready.clear()
        process = self._ctx.Process(
            target=worker_main,
            args=(self._settings, self._log_level, self._wake, self._stop, self._ready),
            kwargs=self._options,
            name="brandgate-worker",
            daemon=True,  # ended with this process even when it exits without stop()
        )
        process.start()
        self._process = process

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            self._process.join()
            if self._stopping.is_set():
                return
            logger.error(
                "worker process exited (code %s): starting another", self._process.exitcode
            )
            self.restarts += 1
            if self._stopping.wait(RESTART_BACKOFF_SECONDS):
                return
            self._spawn()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else int(self._process.pid)

    def alive(self) -> bool:
        return self._process is not None and bool(self._process.is_alive())

    def wake(self) -> None:
        """A row was stored or a message queued: the worker looks now (cheap, no GIL wait)."""
        self._wake.set()

    def wait_ready(self, timeout: float) -> bool:
        """True once the worker runs its dispatcher and picks up rows."""
        return bool(self._ready.wait(timeout))

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._stop.set()
        self._wake.set()
        if self._process is not None:
            self._process.join(timeout)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(timeout)
        if self._watcher is not None:
            self._watcher.join(timeout)


def worker_main(
    settings: Settings, log_level: str, wake: Event, stop: Event, ready: Event, **options: Any
) -> None:
    """The worker process: build the runtime, run the background work, pick up rows."""
    logs.configure(log_level)
    # Ctrl-C reaches the whole process group: the parent stops us in order instead.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def on_term(signum: int, frame: Any) -> None:
        stop.set()
        wake.set()

    signal.signal(signal.SIGTERM, on_term)
    _exit_with_parent()
    _lower_priority(WORKER_NICENESS)

    from bot.slack.runtime import Runtime
    from bot.slack.startup import Startup

    runtime = Startup(lambda: Runtime.build(settings, **options), wait=stop.wait).run()
    if runtime is None:
        return
    worker = runtime.inbox_worker
    assert worker is not None
    try:
        runtime.start_background()
        ready.set()
        logger.info("worker process ready")
        while not stop.is_set():
            wake.clear()  # before draining: a row stored meanwhile sets it again
            runtime.dispatcher.notify()
            try:
                worker.drain()
            except Exception as err:  # the database away: the next wake or tick retries
                logger.warning("inbox pick-up failed: %s", type(err).__name__)
            wake.wait(RENEW_SECONDS)
    finally:
        runtime.close()


def _lower_priority(increment: int) -> None:
    """Give the CPU to the acks first (WORKER_NICENESS); where the OS refuses, run as is."""
    try:
        os.nice(increment)
    except (AttributeError, OSError) as err:  # os.nice is POSIX only
        logger.info("worker process priority unchanged: %s", type(err).__name__)


def _exit_with_parent() -> None:
    """End this process as soon as the parent is gone (SIGKILL included): its rows in hand
    come back to another process when their lease ends."""
    parent = mp.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait_for_objects([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="brandgate-parent-watch", daemon=True).start()

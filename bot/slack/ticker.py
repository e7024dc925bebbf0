"""Periodic work inside `serve`: the workflow's timers every minute, the audit anchor daily.

Both jobs are safe to run from several processes at once (timers are claimed row by row, an
anchor is an append), so each `serve` simply runs its own ticker and a cron job stays optional.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger("brandgate.slack.ticker")


class Ticker:
    """Runs `work` at once and then every `interval` seconds on a daemon thread until stopped.

    A failing run is logged (one line) and retried at the next tick: a database that is briefly
    away must not end the loop. `after` runs once a tick did some work (wake the dispatcher for
    the messages the timers queued). With `next_due` (the earliest due time, or None), the
    loop wakes at that time when it is sooner than `interval`: a two-minute SLA is not
    escalated a minute late. `min_wait` keeps a due time that is already past (work that keeps
    failing) from spinning the loop.
    """

    def __init__(
        self,
        work: Callable[[], Any],
        interval: float,
        *,
        name: str,
        after: Callable[[], None] | None = None,
        next_due: Callable[[], datetime | None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        min_wait: float = 1.0,
    ) -> None:
        self.work = work
        self.interval = interval
        self.name = name
        self.after = after
        self.next_due = next_due
        self.clock = clock
        self.min_wait = min_wait
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> Any:
        """One run now; returns what the work returned, or None when it failed."""
        try:
            result = self.work()
        except Exception as err:
            logger.warning("%s failed: %s: %s", self.name, type(err).__name__, err)
            return None
        if result and self.after is not None:
            self.after()
        return result

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Ticker:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wait_seconds(self) -> float:
        """How long to sleep after a tick: `interval`, or less when something is due sooner."""
        if self.next_due is None:
            return self.interval
        try:
            due = self.next_due()
        except Exception as err:  # the database is away: the next tick will say so
            logger.warning("%s: next due time unknown: %s", self.name, type(err).__name__)
            return self.interval
        if due is None:
            return self.interval
        ahead = (due - self.clock()).total_seconds()
        return max(self.min_wait, min(self.interval, ahead))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.wait_seconds())


def did_something(counts: dict[str, int]) -> bool:
    """A timers run that fired anything (its messages are waiting in the outbox)."""
    return any(counts.values())


__all__ = ["Ticker", "did_something"]

"""A one-line progress counter on standard error, shown only on a terminal."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, enabled: bool, every_seconds: float = 0.2) -> None:
        self.enabled = enabled
        self.count = 0
        self.started = time.monotonic()
        self._every = every_seconds
        self._last = 0.0

    def step(self) -> None:
        self.count += 1
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            rate = self.count / max(now - self.started, 1e-9)
            sys.stderr.write(f"\r  checked {self.count} drafts ({rate:,.0f}/s)")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.count:
            sys.stderr.write(f"\r  checked {self.count} drafts{' ' * 20}\n")
            sys.stderr.flush()

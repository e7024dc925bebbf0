"""Functions run in child processes by the audit tests (importable by spawned interpreters)."""

from __future__ import annotations

from typing import Any

from bot.audit import AuditEvent, append
from models.db import Database


def append_many(url: str, worker: int, count: int, barrier: Any) -> None:
    db = Database(url)
    barrier.wait()
    for i in range(count):
        with db.transaction() as session:
            append(
                session,
                [AuditEvent("submitted", f"U{worker}", "acme", draft_id=i, payload={"i": i})],
            )
    db.dispose()


def open_fresh(url: str, barrier: Any) -> None:
    """First use of an empty database by several processes at once: each upgrades or waits."""
    barrier.wait()
    db = Database(url)
    with db.transaction() as session:
        append(session, [AuditEvent("guidelines_loaded", "brandgate", "acme")])
    db.dispose()

"""Appending to the chain, safely from any number of threads and processes.

Appends are serialised on the single `audit_head` row: `SELECT ... FOR UPDATE` on PostgreSQL; on
SQLite every write transaction already holds the database write lock (BEGIN IMMEDIATE, see
models/db.py). The primary key on `seq` and the unique hash are a second line of defence: even a
broken lock could only make a transaction fail, never fork the chain or leave a gap.

Call `append` last in a transaction: the head lock is then held only until the commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.audit.chain import canonical_json, entry_hash
from bot.audit.events import AuditEvent
from models import GENESIS_HASH, AuditEntry, AuditHead, utcnow


class AuditError(RuntimeError):
    """The audit log cannot be appended to (e.g. its head row is missing)."""


def _lock_head(session: Session) -> tuple[int, str]:
    stmt = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = session.execute(stmt).one_or_none()
    if row is None:
        raise AuditError("audit_head row missing: run `brandgate db upgrade` on this database")
    return int(row.seq), str(row.hash)


def append(
    session: Session, events: Iterable[AuditEvent], *, now: datetime | None = None
) -> list[int]:
    """Append `events` in order within the session's transaction; returns their seq numbers."""
    events = list(events)
    if not events:
        return []
    seq, prev = _lock_head(session)
    # Stamped under the lock, so timestamps never go backwards along the chain.
    created_at = now or utcnow()
    rows = []
    for ev in events:
        seq += 1
        payload = canonical_json(dict(ev.payload))
        digest = entry_hash(
            seq=seq,
            created_at=created_at,
            event=ev.event,
            actor=ev.actor,
            brand_id=ev.brand_id,
            draft_id=ev.draft_id,
            revision=ev.revision,
            guidelines_sha256=ev.guidelines_sha256,
            payload=payload,
            prev_hash=prev,
        )
        rows.append(
            {
                "seq": seq,
                "created_at": created_at,
                "event": ev.event,
                "actor": ev.actor,
                "brand_id": ev.brand_id,
                "draft_id": ev.draft_id,
                "revision": ev.revision,
                "guidelines_sha256": ev.guidelines_sha256,
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    session.execute(insert(AuditEntry), rows)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))
    return [r["seq"] for r in rows]


def head(session: Session) -> tuple[int, str]:
    row = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    return int(row.seq), str(row.hash)


__all__ = ["GENESIS_HASH", "AuditError", "append", "head"]

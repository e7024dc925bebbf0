"""Appending to the chain, safely from any number of threads and processes.

The chain has one head (`audit_head`: last seq and hash), so appends must be serialised; the
question is only how long each writer holds the head.

- SQLite: every write transaction already holds the database write lock (BEGIN IMMEDIATE, see
  models/db.py), so `append` chains the entries directly inside the caller's transaction.
- PostgreSQL: holding the head row lock until commit would cap the log at one fsync per entry,
  whatever the number of writers. So `append` writes the entries to `audit_pending` in the
  caller's transaction (atomically with the state change they describe, with no lock), and
  right after the commit a seal moves every pending entry into the chain in batches, under an
  advisory lock, in one server-side call (migration 0004) whose commit need not wait for a
  flush. The seal travels in the same round trip as the COMMIT (`COMMIT; SELECT ...`, sent by
  a commit listener on the engine), and writers that find another one sealing wait for it side
  by side, not one after the other (migration 0010_speeddb). The entries are chained before
  the commit returns; if the seal fails or the server dies in between, `verify` reports them
  as pending and the next seal (or `brandgate audit seal`/any later append) chains them.

Either way the primary key on `seq` and the unique hash are a second line of defence: even a
broken lock could only make a transaction fail, never fork the chain or leave a gap.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import partial
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from bot.audit.chain import canonical_json, entry_hash
from bot.audit.events import AuditEvent
from models import GENESIS_HASH, AuditEntry, AuditHead, utcnow
from models.audit import AuditPending
from models.base import as_utc
from models.db import AFTER_COMMIT, Database

# Core tables (mapped classes' `__table__` is typed as a FromClause, which insert() refuses).
ENTRIES = cast(Table, AuditEntry.__table__)
HEAD = cast(Table, AuditHead.__table__)
PENDING = cast(Table, AuditPending.__table__)
_FIELDS = (
    "created_at",
    "event",
    "actor",
    "brand_id",
    "draft_id",
    "revision",
    "guidelines_sha256",
    "payload",
)

# The PostgreSQL advisory lock that serialises sealers (taken inside brandgate_audit_seal, see
# migration 0004): this constant and hashtext(current_schema()), because advisory locks are per
# database and several schemas may each hold a log.
PG_SEAL_LOCK = 0x61756474
SEAL_BATCH = 2000
# Built once: an append runs it on every workflow transaction (PostgreSQL).
_INSERT_PENDING = insert(PENDING).returning(PENDING.c.id)
# Connection.info key: the newest pending id the open transaction wrote (PostgreSQL).
_SEAL_UPTO = "brandgate_audit_seal_upto"


class AuditError(RuntimeError):
    """The audit log cannot be appended to (e.g. its head row is missing)."""


def _lock_head(conn: Connection) -> tuple[int, str]:
    stmt = select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
    if _dialect(conn) == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).one_or_none()
    if row is None:
        raise AuditError("audit_head row missing: run `brandgate db upgrade` on this database")
    return int(row.seq), str(row.hash)


def _dialect(conn: Session | Connection) -> str:
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    return bind.dialect.name


def _chain(seq: int, prev: str, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each item (entry fields without seq/hashes) its seq, prev_hash and hash."""
    rows = []
    for item in items:
        seq += 1
        digest = entry_hash(seq=seq, prev_hash=prev, **item)
        rows.append({**item, "seq": seq, "prev_hash": prev, "hash": digest})
        prev = digest
    return rows


def _monotonic(conn: Connection, seq: int, items: Sequence[dict[str, Any]]) -> None:
    """Stamp no entry earlier than the one before it: the chain's order and times agree."""
    last = conn.execute(select(ENTRIES.c.created_at).where(ENTRIES.c.seq == seq)).scalar()
    if last is None:
        return
    last = as_utc(last)
    for item in items:
        stamped = as_utc(item["created_at"])
        if stamped < last:
            item["created_at"] = last
        else:
            last = stamped


def _write_chained(conn: Connection, items: Sequence[dict[str, Any]]) -> list[int]:
    # Core statements on the table, not ORM bulk inserts: appends are hot.
    seq, prev = _lock_head(conn)
    _monotonic(conn, seq, items)
    rows = _chain(seq, prev, items)
    conn.execute(insert(ENTRIES), rows)
    conn.execute(
        update(HEAD).where(HEAD.c.id == 1).values(seq=rows[-1]["seq"], hash=rows[-1]["hash"])
    )
    return [r["seq"] for r in rows]


def _items(events: Sequence[AuditEvent], created_at: datetime) -> list[dict[str, Any]]:
    return [
        {
            "created_at": created_at,
            "event": ev.event,
            "actor": ev.actor,
            "brand_id": ev.brand_id,
            "draft_id": ev.draft_id,
            "revision": ev.revision,
            "guidelines_sha256": ev.guidelines_sha256,
            "payload": canonical_json(dict(ev.payload)),
        }
        for ev in events
    ]


def append(
    session: Session,
    events: Iterable[AuditEvent],
    *,
    now: datetime | None = None,
    deferred: bool | None = None,
    seal_on_commit: bool = True,
) -> int:
    """Append `events`, in order, within the session's transaction; returns how many.

    `deferred` (default: on PostgreSQL) queues them to be sealed right after the commit (on
    PostgreSQL by the commit itself, elsewhere by `Database.transaction()`'s after-commit
    hook); otherwise they are chained at once. `seal_on_commit=False` leaves deferred entries
    pending, as a writer that died before sealing would (for tests and recovery drills).
    """
    events = list(events)
    if not events:
        return 0
    if deferred is None:
        deferred = _dialect(session) == "postgresql"
    conn = session.connection()
    if not deferred:
        # Stamped under the lock, so timestamps never go backwards along the chain.
        _write_chained(conn, _items(events, now or utcnow()))
        return len(events)
    ids: list[int] = list(conn.execute(_INSERT_PENDING, _items(events, now or utcnow())).scalars())
    upto = max(ids)
    if not seal_on_commit:
        return len(events)
    if _dialect(conn) == "postgresql":
        _listen(conn.engine)
        conn.info[_SEAL_UPTO] = max(upto, conn.info.get(_SEAL_UPTO, 0))
        return len(events)
    hooks: list[Any] = session.info.setdefault(AFTER_COMMIT, [])
    for i, hook in enumerate(hooks):
        if getattr(hook, "func", None) is seal:  # one seal per transaction, up to our newest
            hooks[i] = partial(seal, session.get_bind(), upto=max(upto, hook.keywords["upto"]))
            break
    else:
        hooks.append(partial(seal, session.get_bind(), upto=upto))
    return len(events)


def _listen(engine: Engine) -> None:
    if not event.contains(engine, "commit", _commit_and_seal):
        event.listen(engine, "commit", _commit_and_seal)
        event.listen(engine, "rollback", _forget_seal)


def _commit_and_seal(conn: Connection) -> None:
    """Commit, then seal up to the transaction's newest pending entry, in one round trip.

    The server runs the two in order (a simple query of two statements), so the seal sees the
    entries committed; the driver then finds no transaction open and sends no COMMIT of its
    own. The seal function swallows its own errors (migration 0010_speeddb): an error here
    can only be the COMMIT's, and is raised as such.
    """
    upto = conn.info.pop(_SEAL_UPTO, None)
    if upto is None:
        return
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    cursor = dbapi.cursor()
    try:
        cursor.execute(f"COMMIT; SELECT brandgate_audit_seal_after_commit({int(upto)})")
    finally:
        cursor.close()


def _forget_seal(conn: Connection) -> None:
    conn.info.pop(_SEAL_UPTO, None)


def _seal_once(engine: Engine, batch: int) -> int:
    """Move the oldest pending entries into the chain in one transaction; returns how many."""
    with engine.begin() as conn:
        oldest = select(PENDING.c.id).order_by(PENDING.c.id).limit(batch)
        taken = list(
            conn.execute(delete(PENDING).where(PENDING.c.id.in_(oldest)).returning(*PENDING.c))
        )
        if not taken:
            return 0
        taken.sort(key=lambda p: p.id)
        _write_chained(conn, [{k: getattr(p, k) for k in _FIELDS} for p in taken])
        return len(taken)


def _seal_all(engine: Engine, batch: int) -> int:
    """Seal batch after batch while full ones come back (a short one means we caught up)."""
    total = 0
    while True:
        n = _seal_once(engine, batch)
        total += n
        if n < batch:
            return total


def seal(
    bind: Engine | Connection | Database,
    *,
    wait: bool = True,
    batch: int = SEAL_BATCH,
    upto: int | None = None,
) -> int:
    """Chain every pending entry (oldest first); returns how many this call sealed.

    With `wait` (the after-commit hook), every entry committed before the call is chained when
    it returns. `wait=False` returns at once if another process is sealing; then that sealer
    is the one to chain them. `upto` (PostgreSQL): the caller's newest pending id; it returns
    as soon as that entry is chained, whoever chained it (a transaction's entries are visible
    together and sealed in id order, so then all of them are: migration 0012_audit_indexes).
    """
    engine = bind.engine if isinstance(bind, Database | Connection) else bind
    if engine.dialect.name != "postgresql":
        return _seal_all(engine, batch)  # SQLite's write lock serialises sealers
    # One server-side call per batch (migrations 0004-5), on an autocommit connection: it takes
    # the advisory lock (or, with wait=False, gives up at once: -1), chains the batch with the
    # same canonical JSON as chain.py and commits asynchronously. The lock is held only while
    # the server runs that one statement, so writers queueing for it wait very little.
    total = 0
    with engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        while True:
            n: int = conn.execute(
                text("SELECT brandgate_audit_seal(:n, :wait, :upto)"),
                {"n": batch, "wait": wait, "upto": upto},
            ).scalar_one()
            if n < 0:
                return total
            total += n
            if n == batch:
                continue
            # Having waited for the lock, we saw everything committed before we asked.
            if wait or not conn.execute(select(PENDING.c.id).limit(1)).first():
                return total


def pending_count(conn: Session | Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(AuditPending)).scalar() or 0)


def head(session: Session) -> tuple[int, str]:
    row = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)).one()
    return int(row.seq), str(row.hash)


__all__ = ["GENESIS_HASH", "AuditError", "append", "head", "pending_count", "seal"]

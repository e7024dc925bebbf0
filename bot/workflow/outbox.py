"""The outbox: messages queued with the state change that causes them, delivered later.

A dispatcher loops over `claim_due` and reports each message with `mark_delivered` or
`mark_failed`. A claim is a lease: `next_attempt_at` moves `lease_seconds` ahead, so a dispatcher
that dies mid-delivery only delays its messages; one that works longer than the lease `renew`s
it. PostgreSQL claims with `FOR UPDATE SKIP LOCKED` (dispatchers never wait on each other);
SQLite's write transactions are already exclusive. `release` gives a claimed message back for
later without counting an attempt (a rate limit it did not even try).

States of a message: pending (`next_attempt_at` set), delivered (`delivered_at` set), and
failed, the dead letter (neither: given up after a permanent error or `MAX_ATTEMPTS`, its
`last_error` kept). `failed` lists those for operators and `retry` puts one back in the queue.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, case, func, insert, inspect, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from models import Draft, OutboxMessage, utcnow
from models.base import as_utc
from models.db import Database

#: `last_error` prefix of an attempt that Slack may have carried out without our hearing the
#: answer: the dispatcher looks for the message before it posts again
UNKNOWN_OUTCOME = "unknown outcome"
EXPIRED_CLAIM = f"{UNKNOWN_OUTCOME} (the previous attempt's claim expired: its process stopped)"

# Delivery kinds the workflow produces (the payload of each is documented in messages.py).
REVIEW_REQUEST = "review_request"
FINDINGS = "findings"
OUTCOME = "outcome"
DECISION_MADE = "decision_made"

OUTBOX = cast(Table, OutboxMessage.__table__)
#: from how many messages PostgreSQL gets them by COPY (fewer: one INSERT, as cheap)
COPY_FROM = 50

BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 3600.0
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    recipient: str
    draft_id: int | None
    revision: int | None
    payload: dict[str, Any]
    dedupe_key: str
    attempts: int
    created_at: datetime
    claim_token: str | None = None
    #: the Slack team whose token delivers it (None: the one workspace's)
    team_id: str | None = None
    last_error: str | None = None


def enqueue(
    session: Session,
    *,
    kind: str,
    recipient: str,
    payload: dict[str, Any],
    dedupe_key: str,
    draft_id: int | None = None,
    revision: int | None = None,
    now: datetime | None = None,
) -> None:
    """Queue one message inside the caller's transaction (due at once)."""
    now = now or utcnow()
    session.execute(
        insert(OutboxMessage).values(
            created_at=now,
            kind=kind,
            recipient=recipient,
            draft_id=draft_id,
            revision=revision,
            payload=payload,
            dedupe_key=dedupe_key,
            attempts=0,
            next_attempt_at=now,
            # the draft's team, read in the same statement (no extra round trip)
            team_id=(
                select(Draft.team_id).where(Draft.id == draft_id).scalar_subquery()
                if draft_id is not None
                else None
            ),
        )
    )


def enqueue_many(session: Session, messages: list[dict[str, Any]], *, now: datetime) -> None:
    """Queue many messages in one statement (a timers run queues thousands)."""
    if not messages:
        return
    # Each message is delivered in its draft's workspace. Drafts this session already holds
    # (a timers run loaded them all) give their team without a query; the rest in one query.
    session.flush()  # pending changes first: the Core insert below does not flush
    draft_ids = {m["draft_id"] for m in messages if m.get("draft_id") is not None}
    teams: dict[int, str | None] = {}
    for draft_id in draft_ids:
        held = session.identity_map.get(identity_key(Draft, draft_id))
        # an expired row would lazy-load one by one: leave those to the single query
        if isinstance(held, Draft) and "team_id" not in inspect(held).unloaded:
            teams[draft_id] = held.team_id
    missing = draft_ids - teams.keys()
    if missing:
        teams.update(
            session.execute(select(Draft.id, Draft.team_id).where(Draft.id.in_(missing))).all()
        )
    rows = [
        dict(
            team_id=teams.get(m["draft_id"]) if m.get("draft_id") is not None else None,
            created_at=now,
            kind=m["kind"],
            recipient=m["recipient"],
            draft_id=m.get("draft_id"),
            revision=m.get("revision"),
            payload=m["payload"],
            dedupe_key=m["dedupe_key"],
            attempts=0,
            next_attempt_at=now,
        )
        for m in messages
    ]
    if session.get_bind().dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        _copy(session, rows)
        return
    # Core insert of the table, not the ORM bulk path: no per-row mapper work for thousands of
    # rows (an executemany: SQLite's is a loop in C, psycopg's a pipeline).
    session.execute(insert(OUTBOX), rows)


def _copy(session: Session, rows: list[dict[str, Any]]) -> None:
    """The rows through COPY, on the session's connection (so in its transaction). psycopg 3
    runs an executemany as one INSERT per row (pipelined) and a multi-row INSERT costs more to
    prepare than it saves: COPY is one statement, the rows streamed. The payloads go through
    the connection's own JSON dumper, as the INSERT's bound values do: the same text."""
    import psycopg  # here: only PostgreSQL sessions come this way
    from psycopg.types.json import Json

    columns = list(rows[0])
    dbapi = cast(psycopg.Connection[Any], session.connection().connection.dbapi_connection)
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{OUTBOX.name}" ({names}) FROM STDIN'
    try:
        with dbapi.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                row["payload"] = Json(row["payload"])
                row["created_at"] = row["next_attempt_at"] = as_utc(row["created_at"])
                copy.write_row([row[c] for c in columns])
    except psycopg.Error as exc:
        # raised as SQLAlchemy raises the INSERT's errors (a duplicate dedupe key is an
        # IntegrityError to the callers that catch one), the transaction rolled back as usual
        raise DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def _item(row: OutboxMessage) -> OutboxItem:
    return OutboxItem(
        id=row.id,
        kind=row.kind,
        recipient=row.recipient,
        draft_id=row.draft_id,
        revision=row.revision,
        payload=row.payload,
        dedupe_key=row.dedupe_key,
        attempts=row.attempts,
        created_at=row.created_at,
        claim_token=row.claim_token,
        team_id=row.team_id,
        last_error=row.last_error,
    )


def claim_due(
    db: Database, *, limit: int = 20, lease_seconds: float = 60.0, now: datetime | None = None
) -> list[OutboxItem]:
    """Lease up to `limit` due, undelivered messages (oldest first) to the caller."""
    now = now or utcnow()
    token = uuid.uuid4().hex
    with db.transaction() as session:
        ids = session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.delivered_at.is_(None),
                OutboxMessage.next_attempt_at.is_not(None),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not ids:
            return []
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.delivered_at.is_(None))
            .values(
                attempts=OutboxMessage.attempts + 1,
                next_attempt_at=now + timedelta(seconds=lease_seconds),
                claim_token=token,
                # Every outcome (delivered, failed, released) clears the claim, so a row still
                # claimed was left by a process that died or stalled mid-send: Slack may have
                # posted it, and the next attempt must look before posting again.
                last_error=case(
                    (OutboxMessage.claim_token.is_not(None), EXPIRED_CLAIM),
                    else_=OutboxMessage.last_error,
                ),
            )
        )
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.claim_token == token)
            .order_by(OutboxMessage.id)
        ).all()
        return [_item(r) for r in rows]


def mark_delivered(
    db: Database,
    message_id: int,
    *,
    result: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Record a successful delivery and what it produced (e.g. Slack channel and ts)."""
    mark_delivered_many(db, [(message_id, result)], now=now)


def mark_delivered_many(
    db: Database,
    deliveries: Iterable[tuple[int, dict[str, Any] | None]],
    *,
    now: datetime | None = None,
) -> None:
    """Record several deliveries (message id, result) in one transaction: a dispatcher that
    sent a batch pays for one commit instead of one per message."""
    rows = [{"message_id": mid, "message_result": result} for mid, result in deliveries]
    if not rows:
        return
    table = cast(Table, OutboxMessage.__table__)
    stmt = (
        update(table)
        .where(table.c.id == bindparam("message_id"))
        .values(
            delivered_at=now or utcnow(),
            next_attempt_at=None,
            result=bindparam("message_result"),
            last_error=None,
            claim_token=None,
        )
    )
    with db.transaction() as session:
        session.connection().execute(stmt, rows)  # one executemany


def backoff_seconds(attempts: int) -> float:
    return min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)


def mark_failed(
    db: Database,
    message_id: int,
    error: str,
    *,
    retry_after: float | None = None,
    max_attempts: int | None = MAX_ATTEMPTS,
    permanent: bool = False,
    now: datetime | None = None,
) -> datetime | None:
    """Record a failed attempt; returns when it will be retried (None: given up).

    `retry_after` (e.g. Slack's Retry-After on HTTP 429) wins over the exponential backoff, and a
    rate-limited attempt never counts towards giving up. `max_attempts=None` never gives up
    (the backoff is capped at BACKOFF_MAX_SECONDS); `permanent=True` gives up now, for errors
    that retrying cannot fix. Either way `error` is kept in `last_error`.
    """
    now = now or utcnow()
    with db.transaction() as session:
        row = session.get(OutboxMessage, message_id, with_for_update=True)
        if row is None or row.delivered_at is not None:
            return None
        if permanent:
            when: datetime | None = None
        elif retry_after is not None:
            when = now + timedelta(seconds=max(retry_after, 0.0))
            row.attempts = max(row.attempts - 1, 0)
        elif max_attempts is not None and row.attempts >= max_attempts:
            when = None
        else:
            when = now + timedelta(seconds=backoff_seconds(row.attempts))
        row.next_attempt_at = when
        row.last_error = error[:2000]
        row.claim_token = None
        return when


def renew(db: Database, token: str, until: datetime) -> set[int]:
    """Extend the lease of claim `token` to `until`; returns the ids still held by it."""
    with db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.claim_token == token, OutboxMessage.delivered_at.is_(None))
            .values(next_attempt_at=until)
        )
        return set(
            session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.claim_token == token, OutboxMessage.delivered_at.is_(None)
                )
            )
        )


def release(db: Database, message_id: int, until: datetime) -> None:
    """Give a claimed message back, due at `until`, its attempt not counted (it was not tried)."""
    with db.transaction() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None))
            .values(
                next_attempt_at=until,
                claim_token=None,
                attempts=func.max(OutboxMessage.attempts - 1, 0)
                if db.engine.dialect.name == "sqlite"
                else func.greatest(OutboxMessage.attempts - 1, 0),
            )
        )


def _failed_clause() -> Any:
    return (OutboxMessage.delivered_at.is_(None)) & (OutboxMessage.next_attempt_at.is_(None))


def failed(db: Database, *, limit: int = 100) -> list[OutboxMessage]:
    """The dead letters, oldest first: messages given up, with their last error."""
    with db.reading() as session:
        rows = session.scalars(
            select(OutboxMessage).where(_failed_clause()).order_by(OutboxMessage.id).limit(limit)
        ).all()
        session.expunge_all()
        return list(rows)


def listing(db: Database, *, failed_only: bool = False, limit: int = 100) -> list[OutboxMessage]:
    """Messages not yet delivered (pending and failed), oldest first."""
    if failed_only:
        return failed(db, limit=limit)
    with db.reading() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.delivered_at.is_(None))
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
        session.expunge_all()
        return list(rows)


def retry(db: Database, message_id: int, *, now: datetime | None = None) -> bool:
    """Put a failed message back in the queue, due now, with a fresh attempt count. False if
    there is no such failed message (delivered, pending, or unknown)."""
    with db.transaction() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, _failed_clause())
            .values(next_attempt_at=now or utcnow(), attempts=0, claim_token=None)
        )
        return bool(getattr(result, "rowcount", 0))


def health(db: Database, *, now: datetime | None = None) -> dict[str, Any]:
    """What an operator (or /healthz) needs to know: how many messages wait, how many failed,
    and how late the oldest due one is."""
    now = now or utcnow()
    with db.reading() as session:
        failed_count = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(_failed_clause())
        )
        oldest = session.scalar(
            select(OutboxMessage.next_attempt_at)
            .where(OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at.is_not(None))
            .order_by(OutboxMessage.next_attempt_at)
            .limit(1)
        )
    late = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return {
        "pending": pending_count(db),
        "failed": int(failed_count or 0),
        "oldest_due_seconds": round(late, 1),
    }


def delivered_result(db: Database, dedupe_key: str) -> dict[str, Any] | None:
    """The `result` of a delivered message, e.g. to edit the review request it sent."""
    with db.reading() as session:
        return session.scalar(
            select(OutboxMessage.result).where(
                OutboxMessage.dedupe_key == dedupe_key, OutboxMessage.delivered_at.is_not(None)
            )
        )


def pending_count(db: Database) -> int:
    with db.reading() as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.delivered_at.is_(None),
                    OutboxMessage.next_attempt_at.is_not(None),
                )
            )
            or 0
        )


def give_up_team(db: Database, team: str | None, error: str) -> int:
    """Move every pending message of Slack team `team` (None: of every team, the one token of
    a single workspace) to the dead letter with `error`: the app was uninstalled there or its
    bot token revoked, so no retry can deliver them. Returns how many; `retry` requeues one
    once the app is installed again. A message being delivered right now keeps its outcome."""
    stmt = update(OutboxMessage).where(
        OutboxMessage.delivered_at.is_(None), OutboxMessage.next_attempt_at.is_not(None)
    )
    if team is not None:
        stmt = stmt.where(OutboxMessage.team_id == team)
    with db.transaction() as session:
        result = session.execute(
            stmt.values(next_attempt_at=None, claim_token=None, last_error=error[:2000])
        )
        return int(getattr(result, "rowcount", 0) or 0)

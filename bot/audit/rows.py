"""Reading audit rows back as they were hashed: the columns in hashing order, streamed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import Connection, String, func, type_coerce

from bot.audit.chain import entry_text, format_time
from models import AuditEntry

BATCH = 5000


def _time_column(dialect: str) -> tuple[Any, Callable[[Any], str]]:
    """`created_at` already formatted the canonical way, as cheaply as the database allows.

    Parsing 100,000 timestamps into datetimes and formatting them again would dominate
    verification time, so PostgreSQL formats them itself and SQLite's stored text is reshaped.
    """
    if dialect == "postgresql":
        expr = func.to_char(
            func.timezone("UTC", AuditEntry.created_at), 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'
        )
        return expr, str
    if dialect == "sqlite":
        # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS.ffffff" (always with microseconds, naive UTC).
        return type_coerce(AuditEntry.created_at, String()), _sqlite_time
    return AuditEntry.created_at, format_time


def _sqlite_time(value: str) -> str:
    return f"{value[:10]}T{value[11:]}Z"


def columns(dialect: str) -> tuple[tuple[Any, ...], Callable[[Any], str]]:
    """The entry's columns in hashing order, and how to turn column 1 into the canonical time."""
    time_expr, to_text = _time_column(dialect)
    return (
        AuditEntry.seq,
        time_expr,
        AuditEntry.event,
        AuditEntry.actor,
        AuditEntry.brand_id,
        AuditEntry.draft_id,
        AuditEntry.revision,
        AuditEntry.guidelines_sha256,
        AuditEntry.payload,
        AuditEntry.prev_hash,
        AuditEntry.hash,
    ), to_text


def row_text(row: Any, created_at: str) -> str:
    """The canonical entry text of a row selected with `columns()`, as hashed."""
    return entry_text(
        seq=row[0],
        created_at=created_at,
        event=row[2],
        actor=row[3],
        brand_id=row[4],
        draft_id=row[5],
        revision=row[6],
        guidelines_sha256=row[7],
        payload=row[8],
        prev_hash=row[9],
    )


def stream_rows(connection: Connection, stmt: Any, batch: int = BATCH) -> Iterator[Any]:
    """Rows through a server-side cursor (PostgreSQL) / incremental fetch (SQLite): flat memory."""
    result = connection.execution_options(yield_per=batch).execute(stmt)
    yield from result

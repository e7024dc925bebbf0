"""Streaming export (JSON lines or CSV) with date and brand filters: memory stays flat."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any, TextIO

from sqlalchemy import select

from bot.audit.rows import columns, row_text, stream_rows
from models import AuditEntry
from models.db import Database

CSV_FIELDS = (
    "seq",
    "created_at",
    "event",
    "actor",
    "brand",
    "draft",
    "revision",
    "guidelines_sha256",
    "payload",
    "prev_hash",
    "hash",
)


def parse_bound(value: str, *, end: bool = False) -> datetime:
    """`2026-11-27` or an ISO datetime; a bare date as an upper bound includes that whole day."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not a date or ISO datetime: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _rows(
    db: Database,
    since: datetime | None,
    until: datetime | None,
    brand: str | None,
    draft_id: int | None = None,
) -> Iterator[Any]:
    with db.read_engine.connect() as connection, connection.begin():
        cols, to_text = columns(connection.dialect.name)
        stmt = select(*cols).order_by(AuditEntry.seq)
        if since is not None:
            stmt = stmt.where(AuditEntry.created_at >= since)
        if until is not None:
            stmt = stmt.where(AuditEntry.created_at < until)
        if brand is not None:
            stmt = stmt.where(AuditEntry.brand_id == brand)
        if draft_id is not None:
            stmt = stmt.where(AuditEntry.draft_id == draft_id)
        for row in stream_rows(connection, stmt):
            yield (row[0], to_text(row[1]), *row[2:])


def _jsonl_line(row: Any) -> str:
    # The canonical entry exactly as hashed, plus its hash: anyone can re-verify an export.
    text = row_text(row, row[1])
    return f'{text[:-1]},"hash":"{row[10]}"}}\n'


def iter_entries(
    db: Database,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    brand: str | None = None,
    draft_id: int | None = None,
) -> Iterator[str]:
    """One JSON line per entry (canonical entry + `hash`), streamed."""
    for row in _rows(db, since, until, brand, draft_id):
        yield _jsonl_line(row)


def export(
    db: Database,
    out: TextIO,
    *,
    fmt: str = "jsonl",
    since: datetime | None = None,
    until: datetime | None = None,
    brand: str | None = None,
) -> int:
    """Write the selected entries to `out`; returns how many."""
    count = 0
    if fmt == "jsonl":
        for line in iter_entries(db, since=since, until=until, brand=brand):
            out.write(line)
            count += 1
        return count
    if fmt != "csv":
        raise ValueError(f"unknown export format {fmt!r} (jsonl or csv)")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for row in _rows(db, since, until, brand):
        writer.writerow(["" if v is None else v for v in row])
        count += 1
    return count

"""The hash-chained audit log and the single-row head that serialises appends to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    # Reports ask per draft whether it was overridden or escalated (migration 0007_r).
    __table_args__ = (Index("ix_audit_entries_draft_event", "draft_id", "event"),)

    # Assigned by the appender (head.seq + 1), never by the database: a gap means a deletion.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    event: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    # Indexed by (brand_id, seq) (models/portal.py) and (draft_id, event) (above): a separate
    # index on either column alone only cost every append (migration 0012_audit_indexes).
    brand_id: Mapped[str | None] = mapped_column(String(100))
    # No foreign key: the log outlives and stands apart from the tables it describes.
    draft_id: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int | None] = mapped_column(Integer)
    guidelines_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    # Canonical JSON text, hashed exactly as stored (no re-serialisation drift across databases).
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """One row (id 1): the last seq and hash. Appenders lock it, so the chain never forks."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AuditPending(Base):
    """Entries written but not yet chained (PostgreSQL): sealed into `audit_entries` right after
    their transaction commits, in batches, so concurrent writers share one chain-head lock per
    batch instead of one per entry (see bot/audit/log.py)."""

    __tablename__ = "audit_pending"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(100))
    brand_id: Mapped[str | None] = mapped_column(String(100))
    draft_id: Mapped[int | None] = mapped_column(Integer)
    revision: Mapped[int | None] = mapped_column(Integer)
    guidelines_sha256: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)

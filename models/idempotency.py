"""Idempotency keys: a repeated submission with the same key returns the same draft."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"

    # Scoped to the submitter: two people may reuse the same key without colliding.
    submitter: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    # Hash of the request, so reusing a key for a different submission is refused, not ignored.
    request_sha256: Mapped[str] = mapped_column(String(64))
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""Messages to deliver (Slack or otherwise), written in the transaction that causes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # review_request | findings | outcome | decision_made | ...
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(64))
    # The Slack team whose bot token delivers it (the draft's); None: the one workspace's token.
    team_id: Mapped[str | None] = mapped_column(String(32))
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"), index=True)
    revision: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # NULL once delivered or given up; a claim pushes it forward by the lease time.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    # What delivery produced, e.g. {"channel": ..., "ts": ...} so a later message can edit it.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

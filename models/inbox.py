"""Slack requests acknowledged but not yet processed: the durable inbox (bot/slack/inbox.py).

A row is written in the ack phase, before Slack gets its answer, and marked done once its work
ran. A process that dies in between (SIGKILL, power loss) leaves it claimed; when its lease runs
out another process (or the same one restarted) processes it. Slack never resends a request it
got an answer to, so without this row an acknowledged `/draft` died with its process.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class InboxItem(Base):
    __tablename__ = "slack_inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The request's idempotency key ("cmd:<trigger id>", a view's key): a request Slack retries
    # maps to the same row, and the draft it creates carries the same key, so processing a row
    # twice (a lease that ran out under a slow worker) never creates two drafts.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # which handler runs it: draft_command | submit_view
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[str] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    # NULL once done; while pending, when the claim of `claim_token`'s process runs out.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)

"""Due jobs of the workflow's clock: reminders, escalations and expiries, each firing once.

A row per (draft, round, stage, kind, n) is unique, so scheduling twice adds nothing; a runner
claims due rows (`fired_at IS NULL AND due_at <= now`, through the partial index on `due_at`)
and sets `fired_at` in the same transaction as the state change it makes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

REMINDER = "reminder"
ESCALATE = "escalate"
EXPIRE = "expire"
#: the `stage` of an expiry, which belongs to the draft, not to one stage
WHOLE_DRAFT = 0


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("draft_id", "review_round", "stage", "kind", "n", name="uq_timers_once"),
        Index(
            "ix_timers_pending_due",
            "due_at",
            sqlite_where=text("fired_at IS NULL"),
            postgresql_where=text("fired_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    review_round: Mapped[int] = mapped_column(Integer)
    stage: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    n: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

"""Review stages of a draft, their eligible approvers, and the decisions taken on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow

# Stage states: `waiting` until the earlier stages are approved, `pending` while approvers are
# asked, then a decision state, or `cancelled` when the round ends without reaching it.
WAITING = "waiting"
PENDING = "pending"
STAGE_APPROVED = "approved"
STAGE_REJECTED = "rejected"
STAGE_CHANGES = "changes_requested"
CANCELLED = "cancelled"

# Decision kinds.
APPROVE = "approve"
REJECT = "reject"
CHANGES = "changes"
EDIT_APPROVE = "edit_approve"
DECISIONS = (APPROVE, REJECT, CHANGES, EDIT_APPROVE)


class ReviewStage(Base):
    __tablename__ = "review_stages"
    __table_args__ = (
        UniqueConstraint("draft_id", "review_round", "number"),
        # The report's turnaround reads when a draft's stages opened (0011_report).
        Index("ix_review_stages_draft_id", "draft_id", postgresql_include=["created_at"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    review_round: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    group_name: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    approvers: Mapped[list[StageApprover]] = relationship(
        back_populates="stage", order_by="StageApprover.position", lazy="selectin"
    )


class StageApprover(Base):
    __tablename__ = "stage_approvers"

    stage_id: Mapped[int] = mapped_column(ForeignKey("review_stages.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    # Set when the seat was handed over by another approver (`delegated` in the audit log).
    delegated_from: Mapped[str | None] = mapped_column(String(64))
    # A delegating approver keeps their row (history) but is no longer eligible.
    active: Mapped[bool] = mapped_column(default=True)

    stage: Mapped[ReviewStage] = relationship(back_populates="approvers")


class Decision(Base):
    __tablename__ = "decisions"
    # One decision per approver per stage: the database itself refuses a second one.
    __table_args__ = (
        UniqueConstraint("stage_id", "actor"),
        # The report reads a draft's decisions: kind, time, approver (0011_report).
        Index(
            "ix_decisions_draft_id",
            "draft_id",
            postgresql_include=["decision", "created_at", "actor"],
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("review_stages.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""Drafts and their revisions: every version of the text is kept with its check result."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow


class DraftState(StrEnum):
    """A draft's stored state (SPEC "Workflow"): the column's whole vocabulary.

    The workflow re-exports this as `bot.workflow.states.State` together with the transitions;
    it lives here because the models may not import the application. `revised` is an audit event,
    never a state: a revision is re-checked at once and lands in `blocked` or `in_review`.
    """

    SUBMITTED = "submitted"
    BLOCKED = "blocked"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    WITHDRAWN = "withdrawn"
    # still undecided at its planned publication (`publish_at`); a revision re-opens it
    EXPIRED = "expired"
    PUBLISHED = "published"


STATES: tuple[str, ...] = tuple(s.value for s in DraftState)


class Draft(Base):
    __tablename__ = "drafts"
    # Reports select one brand's drafts submitted in a period (migration 0007_r), on PostgreSQL
    # from the index alone (0011_report: it carries every column the report reads).
    __table_args__ = (
        Index(
            "ix_drafts_brand_created",
            "brand_id",
            "created_at",
            postgresql_include=[
                "id",
                "state",
                "current_revision",
                "auto_approved_by",
                "submitter",
                "platform",
                "kind",
            ],
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_id: Mapped[str] = mapped_column(String(100), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    sponsored: Mapped[bool] = mapped_column(Boolean)
    context: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    submitter: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    current_revision: Mapped[int] = mapped_column(Integer)
    # Each routing (submit, override, revise) opens a new review round with its own stages.
    review_round: Mapped[int] = mapped_column(Integer, default=0)
    current_stage: Mapped[int | None] = mapped_column(Integer)
    override_reason: Mapped[str | None] = mapped_column(Text)
    auto_approved_by: Mapped[str | None] = mapped_column(String(100))
    route_problem: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    # Where the submission came from (e.g. Slack channel + thread ts), so outcomes go back there.
    origin: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The Slack team (workspace) the draft belongs to: its messages go out with that team's token
    # and only that team's users act on it (migration 0010_slack). None: one workspace.
    team_id: Mapped[str | None] = mapped_column(String(32))
    published_url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the draft is planned to go live: caps every stage's deadline, and expires it undecided.
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    revisions: Mapped[list[Revision]] = relationship(
        back_populates="draft", order_by="Revision.number", lazy="selectin"
    )


class Revision(Base):
    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("draft_id", "number"),
        # What the report reads of a draft's revisions besides their findings (0011_report).
        Index(
            "ix_revisions_draft_id",
            "draft_id",
            postgresql_include=["number", "verdict", "created_at"],
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    # Lets `audit match TEXT` find a text without scanning every revision.
    text_sha256: Mapped[str] = mapped_column(String(64), index=True)
    author: Mapped[str] = mapped_column(String(64))
    # submitted | revised | edited (edit-and-approve by an approver)
    origin_event: Mapped[str] = mapped_column(String(20))
    check_result: Mapped[dict[str, Any]] = mapped_column(JSON)
    verdict: Mapped[str] = mapped_column(String(10))
    guidelines_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    draft: Mapped[Draft] = relationship(back_populates="revisions")

"""The portal's sign-in links: single-use, stored hashed, each one later the row of its session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.audit import AuditEntry
from models.base import Base, UTCDateTime
from models.drafts import Draft
from models.review import Decision, StageApprover


class PortalLink(Base):
    """A link `/brandgate portal` or `brandgate portal link` handed out.

    Only the SHA-256 of its token is stored, so a copy of the database signs nobody in. Redeeming
    it sets `used_at` in the same UPDATE that checks it was unused, so it works once even across
    processes; the session it opens points back here, so signing out ends that session for good
    (a replayed cookie finds `signed_out_at` set).
    """

    __tablename__ = "portal_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    signed_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# Indexes the portal's queries need on the workflow's tables (migration 0010_portal), declared
# here so that the models and the migrations stay comparable. Keyset paging, newest first, under
# each filter; the approver filter; the audit page of one brand.
PORTAL_INDEXES = (
    Index("ix_drafts_brand_id_id", Draft.brand_id, Draft.id),
    Index("ix_drafts_state_id", Draft.state, Draft.id),
    Index("ix_drafts_submitter_id", Draft.submitter, Draft.id),
    Index("ix_stage_approvers_user_id", StageApprover.user_id),
    Index("ix_decisions_actor", Decision.actor),
    Index("ix_audit_entries_brand_seq", AuditEntry.brand_id, AuditEntry.seq),
    # 0011_portal: a state or submitter filter within the viewer's brands
    Index("ix_drafts_brand_state_id", Draft.brand_id, Draft.state, Draft.id),
    Index("ix_drafts_brand_submitter_id", Draft.brand_id, Draft.submitter, Draft.id),
)

#: PostgreSQL-only indexes of migration 0010_portal, which SQLAlchemy cannot declare for one
#: dialect: a trigram index for the drafts' text search (when pg_trgm can be had) and a GIN
#: index over each revision's findings for the rule filter. Model/migration comparisons skip them.
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_revisions_text_trgm", "ix_revisions_findings"})

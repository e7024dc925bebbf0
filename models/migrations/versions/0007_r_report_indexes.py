"""Indexes the reports need (bot/reports/sql.py):

- `drafts (brand_id, created_at)`: a report's cohort is one brand's drafts submitted in a period;
- `audit_entries (draft_id, event)`: per draft, "was it overridden / escalated?" without reading
  the draft's whole history.

Revision ID: 0007_r
Revises: 0006
Create Date: 2026-12-01 21:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_r"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_drafts_brand_created", "drafts", ["brand_id", "created_at"])
    op.create_index("ix_audit_entries_draft_event", "audit_entries", ["draft_id", "event"])


def downgrade() -> None:
    op.drop_index("ix_audit_entries_draft_event", table_name="audit_entries")
    op.drop_index("ix_drafts_brand_created", table_name="drafts")

"""The portal's drafts page under a state or submitter filter, for viewers who see some brands
(every auditor and approver): (brand_id, state, id) and (brand_id, submitter, id) walk exactly
the matching drafts newest first. With (state, id) or (submitter, id) alone, PostgreSQL walked
the primary key filtering both (250 ms to find the 1,000th draft of one agency for one brand at
a million drafts).

Revision ID: 0011_portal
Revises: 0011_report
Create Date: 2026-12-02 04:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_portal"
down_revision: str | None = "0011_report"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_drafts_brand_state_id", "drafts", ["brand_id", "state", "id"])
    op.create_index("ix_drafts_brand_submitter_id", "drafts", ["brand_id", "submitter", "id"])


def downgrade() -> None:
    op.drop_index("ix_drafts_brand_submitter_id", table_name="drafts")
    op.drop_index("ix_drafts_brand_state_id", table_name="drafts")

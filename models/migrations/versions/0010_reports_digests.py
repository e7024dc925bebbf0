"""Reports: the weekly digest's claims and opt-outs (models/digest.py), and an index for the
report's turnaround (each decided draft's last decision, read from the index alone).

Revision ID: 0010_reports
Revises: 0010_time (chained after main's 0010 migrations)
Create Date: 2026-12-02 01:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_reports"
down_revision: str | None = "0010_speeddb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_digests",
        sa.Column("brand_id", sa.String(length=100), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("brand_id", "week_start"),
    )
    op.create_table(
        "report_digest_optouts",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("report_digest_optouts")
    op.drop_table("report_digests")

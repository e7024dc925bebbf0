"""Approvers away: one row per user while away, its `until` indexed (the return timer).

Revision ID: 0010_time
Revises: 0010_slack
Create Date: 2026-12-02 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_time"
down_revision: str | None = "0010_portal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "away_periods",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delegate", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_index("ix_away_periods_until", "away_periods", ["until"])


def downgrade() -> None:
    op.drop_index("ix_away_periods_until", table_name="away_periods")
    op.drop_table("away_periods")

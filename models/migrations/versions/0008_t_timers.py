"""Workflow over time: a draft's planned publication (`drafts.publish_at`) and the `timers`
table of due reminders, escalations and expiries (a partial index on the due time of the
unfired ones, so a runner finds due work without scanning).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007_r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "timers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("review_round", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["draft_id"], ["drafts.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "draft_id", "review_round", "stage", "kind", "n", name="uq_timers_once"
        ),
    )
    op.create_index("ix_timers_draft_id", "timers", ["draft_id"])
    op.create_index(
        "ix_timers_pending_due",
        "timers",
        ["due_at"],
        sqlite_where=sa.text("fired_at IS NULL"),
        postgresql_where=sa.text("fired_at IS NULL"),
    )

    op.create_table(
        "brand_pauses",
        sa.Column("brand_id", sa.String(length=100), nullable=False),
        sa.Column("paused_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("brand_id"),
    )


def downgrade() -> None:
    op.drop_table("brand_pauses")
    op.drop_index("ix_timers_pending_due", table_name="timers")
    op.drop_index("ix_timers_draft_id", table_name="timers")
    op.drop_table("timers")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_column("publish_at")

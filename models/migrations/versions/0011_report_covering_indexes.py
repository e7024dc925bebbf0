"""Covering indexes for the report (bot/reports/sql.py), PostgreSQL only:

- `drafts (brand_id, created_at) INCLUDE (id, state, current_revision, auto_approved_by,
  submitter, platform, kind)`: a report's cohort, with every column it reads and groups by;
- `decisions (draft_id) INCLUDE (decision, created_at, actor)`,
  `review_stages (draft_id) INCLUDE (created_at)` and
  `revisions (draft_id) INCLUDE (number, verdict, created_at)`: what the counts and the
  turnaround read of each draft's decisions, stages and revisions.

Each replaces the index of the same key (same name), so writes keep one index per key. With
them those lookups are index-only scans: a period's drafts are spread over the whole table (ids
follow submission, periods are asked for by date and brand), and each heap fetch was a page of
its own. SQLite keeps its plain indexes: it has no INCLUDE, and a wider key would change plans
that are tuned for it (see the turnaround query).

Revision ID: 0011_report
Revises: 0010_reports
Create Date: 2026-12-02 04:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_report"
down_revision: str | None = "0010_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index, table, key columns, included columns); the names are the existing indexes'
COVERING = (
    (
        "ix_drafts_brand_created",
        "drafts",
        ["brand_id", "created_at"],
        ["id", "state", "current_revision", "auto_approved_by", "submitter", "platform", "kind"],
    ),
    ("ix_decisions_draft_id", "decisions", ["draft_id"], ["decision", "created_at", "actor"]),
    ("ix_review_stages_draft_id", "review_stages", ["draft_id"], ["created_at"]),
    ("ix_revisions_draft_id", "revisions", ["draft_id"], ["number", "verdict", "created_at"]),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, columns, include in COVERING:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, postgresql_include=include)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, columns, _include in COVERING:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)

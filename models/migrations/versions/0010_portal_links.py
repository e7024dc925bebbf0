"""The portal: single-use sign-in links (`portal_links`), and the indexes its drafts page needs
to stay fast at a million drafts: keyset paging per brand, state and submitter, the approver
filter, and on PostgreSQL a trigram index for text search (when pg_trgm can be had) and a GIN
index over each revision's findings for the rule filter.

Revision ID: 0010_portal
Revises: 0010_slack
Create Date: 2026-12-02 01:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_portal"
down_revision: str | None = "0010_slack"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRGM_SCHEMA = (
    "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
    "WHERE e.extname = 'pg_trgm'"
)


def _trgm_schema(conn: sa.Connection) -> str | None:
    """Where pg_trgm lives, installing it when allowed; None when this server cannot have it."""
    schema = conn.execute(sa.text(TRGM_SCHEMA)).scalar()
    if schema is None:
        try:
            with conn.begin_nested():  # a refusal (no privilege, not shipped) must not abort us
                # In public, not the first schema of the search path: a database served from
                # a schema of its own (tests, hosted set-ups) would otherwise take the extension
                # with it when that schema is dropped, under every other schema's indexes.
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
        except sa.exc.DBAPIError:
            try:
                with conn.begin_nested():
                    conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            except sa.exc.DBAPIError:
                return None
        schema = conn.execute(sa.text(TRGM_SCHEMA)).scalar()
    return str(schema) if schema else None


def upgrade() -> None:
    op.create_table(
        "portal_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_sha256"),
    )
    # Keyset paging (newest first) under each filter the portal offers.
    op.create_index("ix_drafts_brand_id_id", "drafts", ["brand_id", "id"])
    op.create_index("ix_drafts_state_id", "drafts", ["state", "id"])
    op.create_index("ix_drafts_submitter_id", "drafts", ["submitter", "id"])
    op.create_index("ix_stage_approvers_user_id", "stage_approvers", ["user_id"])
    op.create_index("ix_decisions_actor", "decisions", ["actor"])
    op.create_index("ix_audit_entries_brand_seq", "audit_entries", ["brand_id", "seq"])
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    op.execute(
        "CREATE INDEX ix_revisions_findings ON revisions "
        "USING gin (((check_result::jsonb) -> 'findings') jsonb_path_ops)"
    )
    schema = _trgm_schema(conn)
    if schema is not None:
        quoted = '"' + schema.replace('"', '""') + '"'
        op.execute(
            "CREATE INDEX ix_revisions_text_trgm ON revisions "
            f"USING gin (text {quoted}.gin_trgm_ops)"
        )


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_revisions_text_trgm")
        op.execute("DROP INDEX IF EXISTS ix_revisions_findings")
    op.drop_index("ix_audit_entries_brand_seq", table_name="audit_entries")
    op.drop_index("ix_decisions_actor", table_name="decisions")
    op.drop_index("ix_stage_approvers_user_id", table_name="stage_approvers")
    op.drop_index("ix_drafts_submitter_id", table_name="drafts")
    op.drop_index("ix_drafts_state_id", table_name="drafts")
    op.drop_index("ix_drafts_brand_id_id", table_name="drafts")
    op.drop_table("portal_links")

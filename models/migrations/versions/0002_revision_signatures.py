"""Near-duplicate index: a MinHash signature per revision and its LSH band keys.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "revision_signatures",
        sa.Column("revision_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.SmallInteger(), nullable=False),
        sa.Column("minhash", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["drafts.id"], name=op.f("fk_revision_signatures_draft_id_drafts")
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revisions.id"],
            name=op.f("fk_revision_signatures_revision_id_revisions"),
        ),
        sa.PrimaryKeyConstraint("revision_id", name=op.f("pk_revision_signatures")),
    )
    with op.batch_alter_table("revision_signatures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_revision_signatures_draft_id"), ["draft_id"], unique=False
        )
    op.create_table(
        "signature_bands",
        sa.Column("revision_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("band", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column("brand_id", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["revision_signatures.revision_id"],
            name=op.f("fk_signature_bands_revision_id_revision_signatures"),
        ),
        sa.PrimaryKeyConstraint("revision_id", "band", name=op.f("pk_signature_bands")),
    )
    with op.batch_alter_table("signature_bands", schema=None) as batch_op:
        batch_op.create_index(
            "ix_signature_bands_lookup",
            ["brand_id", "band_key", "created_at", "revision_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("signature_bands", schema=None) as batch_op:
        batch_op.drop_index("ix_signature_bands_lookup")
    op.drop_table("signature_bands")
    with op.batch_alter_table("revision_signatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revision_signatures_draft_id"))
    op.drop_table("revision_signatures")

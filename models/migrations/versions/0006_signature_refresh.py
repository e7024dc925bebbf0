"""Near-duplicate index read incrementally: per-brand indexes by time and by commit order.

Each process keeps its brands' signatures in memory and, before every check, reads only the rows
committed since its last read (`bot.workflow.duplicate_index`). That needs:

- `(brand_id, created_at)`: the first load of a brand's window;
- `(brand_id, revision_id)`: SQLite commits one writer at a time, so revision ids grow in commit
  order and "ids above the last one seen" is exact there;
- `txid` and `(brand_id, txid)`: on PostgreSQL ids may commit out of order (a transaction holding
  id 10 commits after the one holding id 11). `txid` is the inserting transaction's 64-bit id;
  a reader remembers the oldest transaction still running when it read
  (`pg_snapshot_xmin(pg_current_snapshot())`) and next time reads every row from there on, so a
  late commit is never skipped. SQLite leaves it empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 08:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_TXID = "(CAST(CAST(pg_current_xact_id() AS text) AS bigint))"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("revision_signatures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "txid",
                sa.BigInteger(),
                nullable=True,
                server_default=sa.text(PG_TXID) if postgres else None,
            )
        )
        batch_op.create_index(
            "ix_revision_signatures_brand_created", ["brand_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_revision_signatures_brand_revision", ["brand_id", "revision_id"], unique=False
        )
        batch_op.create_index(
            "ix_revision_signatures_brand_txid", ["brand_id", "txid"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("revision_signatures", schema=None) as batch_op:
        batch_op.drop_index("ix_revision_signatures_brand_txid")
        batch_op.drop_index("ix_revision_signatures_brand_revision")
        batch_op.drop_index("ix_revision_signatures_brand_created")
        batch_op.drop_column("txid")

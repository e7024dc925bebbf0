"""Many workspaces: away periods and digest opt-outs keyed by (user, team), not the user alone.

Slack user ids are unique only within a team: U123 away in team T1 must not make U123 of T2
away, nor an opt-out in one workspace silence another.

Backfill (what an existing row means): every row was written without a team. When the
database holds exactly one installed team (slack_bots), that team is the only one the row can
have been about, and the row gets it. Otherwise (one workspace with SLACK_BOT_TOKEN, where no
installation is stored, or several installed teams, where the row's team cannot be known) the
row keeps the team "" (models.away.TEAMLESS): in one workspace that is the user's row, as
before; with many workspaces a team-less row holds for the user id in every team (what it did
when it was written), until the user sets or clears their absence, or switches the digest, from
a team (or the CLI clears it without --team).

Downgrade: back to one row per user. A user with rows in several teams keeps one: the absence
that ends last (then the greatest team id), and for opt-outs any one (opted out somewhere stays
opted out). The team is dropped.

Revision ID: 0012_teamkeys
Revises: 0011_spec
Create Date: 2026-12-03 06:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_teamkeys"
down_revision: str | None = "0011_spec"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("away_periods", "report_digest_optouts")
TEAMLESS = ""


def _only_installed_team() -> str | None:
    teams: list[object] = list(
        op.get_bind()
        .execute(sa.text("SELECT DISTINCT team_id FROM slack_bots WHERE team_id IS NOT NULL"))
        .scalars()
        .all()
    )
    return str(teams[0]) if len(teams) == 1 else None


def _columns(table: str, with_team: bool) -> list[sa.Column[object]]:
    columns: list[sa.Column[object]] = [sa.Column("user_id", sa.String(length=64), nullable=False)]
    if with_team:
        columns.append(
            sa.Column("team_id", sa.String(length=32), nullable=False, server_default=TEAMLESS)
        )
    if table == "away_periods":
        columns += [
            sa.Column("until", sa.DateTime(timezone=True), nullable=False),
            sa.Column("delegate", sa.String(length=64), nullable=True),
            sa.Column("reason", sa.Text(), nullable=True),
        ]
    columns.append(sa.Column("since", sa.DateTime(timezone=True), nullable=False))
    return columns


def _rebuild_sqlite(table: str, with_team: bool) -> None:
    """SQLite cannot alter a primary key: the table is built anew with the other key and its
    rows copied (team "" when it gains the column)."""
    temporary = f"_{table}_0012"
    columns = _columns(table, with_team)
    key = ["user_id", "team_id"] if with_team else ["user_id"]
    op.create_table(temporary, *columns, sa.PrimaryKeyConstraint(*key, name=f"pk_{table}"))
    names = [c.name for c in columns if c.name != "team_id"]
    listed = ", ".join(names)
    op.get_bind().execute(
        sa.text(f"INSERT INTO {temporary} ({listed}) SELECT {listed} FROM {table}")
    )
    if table == "away_periods":
        op.drop_index("ix_away_periods_until", table_name=table)
    op.drop_table(table)
    op.rename_table(temporary, table)
    if table == "away_periods":
        op.create_index("ix_away_periods_until", table, ["until"])


def _set_primary_key(table: str, columns: list[str]) -> None:
    old = sa.inspect(op.get_bind()).get_pk_constraint(table)["name"]
    op.drop_constraint(str(old), table, type_="primary")
    op.create_primary_key(f"pk_{table}", table, columns)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    team = _only_installed_team()
    for table in TABLES:
        if sqlite:
            _rebuild_sqlite(table, with_team=True)
        else:
            op.add_column(
                table,
                sa.Column("team_id", sa.String(length=32), nullable=False, server_default=TEAMLESS),
            )
            _set_primary_key(table, ["user_id", "team_id"])
        if team is not None:
            op.get_bind().execute(sa.text(f"UPDATE {table} SET team_id = :team"), {"team": team})


def downgrade() -> None:
    bind = op.get_bind()
    # one row per user: drop the others before the key narrows
    bind.execute(
        sa.text(
            "DELETE FROM away_periods WHERE EXISTS (SELECT 1 FROM away_periods o "
            "WHERE o.user_id = away_periods.user_id AND (o.until > away_periods.until "
            "OR (o.until = away_periods.until AND o.team_id > away_periods.team_id)))"
        )
    )
    bind.execute(
        sa.text(
            "DELETE FROM report_digest_optouts WHERE EXISTS (SELECT 1 FROM "
            "report_digest_optouts o WHERE o.user_id = report_digest_optouts.user_id "
            "AND o.team_id > report_digest_optouts.team_id)"
        )
    )
    for table in TABLES:
        if bind.dialect.name == "sqlite":
            _rebuild_sqlite(table, with_team=False)
        else:
            _set_primary_key(table, ["user_id"])
            op.drop_column(table, "team_id")

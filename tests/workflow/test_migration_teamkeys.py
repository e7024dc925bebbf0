"""Migration 0012_teamkeys: away periods and digest opt-outs keyed by (user, team), with the
existing rows kept (their team: the one installed team, else "" = no team) and a downgrade that
leaves one row per user. On SQLite and PostgreSQL, with rows in the tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import Connection, inspect, text

from models.db import Database
from models.migrate import alembic_config, current_revision

BEFORE, AFTER = "0011_spec", "0012_teamkeys"
SINCE = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _migrate(db: Database, revision: str, *, down: bool = False) -> None:
    with db.engine.begin() as conn:
        config = alembic_config(connection=conn)
        (command.downgrade if down else command.upgrade)(config, revision)


@pytest.fixture
def old(db_url: str) -> Iterator[Database]:
    """A database at 0011 holding two absences and one opt-out, keyed by user alone."""
    db = Database(db_url, upgrade=False)
    _migrate(db, BEFORE)
    with db.engine.begin() as conn:
        for user, day in (("UANNA", 20), ("UBORIS", 24)):
            conn.execute(
                text(
                    "INSERT INTO away_periods (user_id, until, delegate, reason, since) "
                    "VALUES (:u, :until, 'UDELE', 'holiday', :since)"
                ),
                {"u": user, "until": datetime(2026, 12, day, tzinfo=UTC), "since": SINCE},
            )
        conn.execute(
            text("INSERT INTO report_digest_optouts (user_id, since) VALUES ('UANNA', :s)"),
            {"s": SINCE},
        )
    yield db
    db.dispose()


def _install(conn: Connection, team: str) -> None:
    conn.execute(
        text(
            "INSERT INTO slack_bots (client_id, app_id, team_id, is_enterprise_install, "
            "installed_at) VALUES ('C1', 'A1', :t, false, :at)"
        ),
        {"t": team, "at": datetime(2026, 12, 1)},
    )


def _rows(conn: Connection, table: str) -> list[tuple[object, ...]]:
    columns = "user_id, team_id" if "team_id" in _columns(conn, table) else "user_id"
    return [
        tuple(r) for r in conn.execute(text(f"SELECT {columns} FROM {table} ORDER BY {columns}"))
    ]


def _columns(conn: Connection, table: str) -> list[str]:
    return [c["name"] for c in inspect(conn).get_columns(table)]


def test_existing_rows_become_rows_of_no_team_and_the_key_takes_the_team(old: Database) -> None:
    _migrate(old, AFTER)
    with old.engine.begin() as conn:
        assert current_revision(conn) == AFTER
        assert _rows(conn, "away_periods") == [("UANNA", ""), ("UBORIS", "")]
        assert _rows(conn, "report_digest_optouts") == [("UANNA", "")]
        for table in ("away_periods", "report_digest_optouts"):
            assert inspect(conn).get_pk_constraint(table)["constrained_columns"] == [
                "user_id",
                "team_id",
            ]
        kept = conn.execute(
            text("SELECT delegate, reason, until FROM away_periods WHERE user_id = 'UANNA'")
        ).one()
        assert kept[:2] == ("UDELE", "holiday")
        # the same user id may now be away in two teams
        conn.execute(
            text(
                "INSERT INTO away_periods (user_id, team_id, until, since) "
                "VALUES ('UANNA', 'T2', :u, :s)"
            ),
            {"u": datetime(2026, 12, 30, tzinfo=UTC), "s": SINCE},
        )
        assert ("UANNA", "T2") in _rows(conn, "away_periods")
        assert "ix_away_periods_until" in {
            i["name"] for i in inspect(conn).get_indexes("away_periods")
        }


def test_with_one_installed_team_the_rows_are_that_team_s(old: Database) -> None:
    with old.engine.begin() as conn:
        _install(conn, "T0NLY")
    _migrate(old, AFTER)
    with old.engine.connect() as conn:
        assert _rows(conn, "away_periods") == [("UANNA", "T0NLY"), ("UBORIS", "T0NLY")]
        assert _rows(conn, "report_digest_optouts") == [("UANNA", "T0NLY")]


def test_with_several_installed_teams_the_rows_keep_no_team(old: Database) -> None:
    with old.engine.begin() as conn:
        _install(conn, "T1")
        _install(conn, "T2")
    _migrate(old, AFTER)
    with old.engine.connect() as conn:
        assert _rows(conn, "away_periods") == [("UANNA", ""), ("UBORIS", "")]


def test_the_downgrade_keeps_one_row_per_user_the_absence_that_ends_last(old: Database) -> None:
    _migrate(old, AFTER)
    with old.engine.begin() as conn:
        for team, day in (("T1", 22), ("T2", 28)):
            conn.execute(
                text(
                    "INSERT INTO away_periods (user_id, team_id, until, reason, since) "
                    "VALUES ('UANNA', :t, :u, :r, :s)"
                ),
                {"t": team, "r": team, "u": datetime(2026, 12, day, tzinfo=UTC), "s": SINCE},
            )
            conn.execute(
                text(
                    "INSERT INTO report_digest_optouts (user_id, team_id, since) "
                    "VALUES ('UCARL', :t, :s)"
                ),
                {"t": team, "s": SINCE},
            )
    _migrate(old, BEFORE, down=True)
    with old.engine.begin() as conn:
        assert current_revision(conn) == BEFORE
        assert "team_id" not in _columns(conn, "away_periods")
        assert "team_id" not in _columns(conn, "report_digest_optouts")
        assert _rows(conn, "away_periods") == [("UANNA",), ("UBORIS",)]
        reason = conn.execute(text("SELECT reason FROM away_periods WHERE user_id = 'UANNA'"))
        assert reason.scalar_one() == "T2"  # ends on the 28th: the last of the three
        assert _rows(conn, "report_digest_optouts") == [("UANNA",), ("UCARL",)]
        assert inspect(conn).get_pk_constraint("away_periods")["constrained_columns"] == ["user_id"]
    _migrate(old, AFTER)  # and up again
    with old.engine.connect() as conn:
        assert _rows(conn, "away_periods") == [("UANNA", ""), ("UBORIS", "")]

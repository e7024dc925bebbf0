"""PostgreSQL group commit (migration 0011_audit): one flush per sealed batch, none lost.

The writer's COMMIT does not wait for its WAL flush; the seal's synchronous commit in the same
round trip flushes it. These tests hold the promise that makes that safe: when the writer's
commit returns, its commit is flushed (whoever sealed, and when the seal fails), and the
writer's `synchronous_commit` never leaks into the connection's later transactions.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.audit import AuditEvent, append, seal, verify
from bot.audit.log import pending_count
from models.db import Database


@pytest.fixture
def pg(db: Database) -> Database:
    if db.is_sqlite:
        pytest.skip("group commit is the PostgreSQL path (SQLite chains in the transaction)")
    return db


def _append_and_commit(db: Database, actor: str) -> int:
    """Append in a transaction; returns the WAL position reached before its COMMIT was sent."""
    with db.transaction() as session:
        append(session, [AuditEvent("checked", actor, "acme")])
        before_commit = session.execute(
            text("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
        ).scalar_one()
    return int(before_commit)


def _flushed(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(
            conn.execute(text("SELECT pg_current_wal_flush_lsn() - '0/0'::pg_lsn")).scalar_one()
        )


def test_a_returned_commit_is_flushed_and_chained(pg: Database) -> None:
    for i in range(3):
        before_commit = _append_and_commit(pg, f"U{i}")
        # the commit record follows `before_commit` in WAL: flushed past it means flushed
        assert _flushed(pg) > before_commit
    result = verify(pg)
    assert result.ok and result.count == 3 and result.pending == 0


def test_the_writers_synchronous_commit_does_not_leak(pg: Database) -> None:
    _append_and_commit(pg, "U1")
    # the pool hands the same connection back: its next transaction commits synchronously
    with pg.transaction() as session:
        assert session.execute(text("SHOW synchronous_commit")).scalar_one() == "on"


def test_the_seal_commits_synchronously(pg: Database) -> None:
    """The seal's own commit is what makes the writers durable: it must not turn it off."""
    with pg.engine.connect() as conn:
        sources = dict(
            conn.execute(
                text(
                    "SELECT proname, prosrc FROM pg_proc WHERE proname IN "
                    "('brandgate_audit_seal', 'brandgate_audit_seal_after_commit')"
                )
            ).all()
        )
    assert "synchronous_commit" not in sources["brandgate_audit_seal"]
    assert "pg_current_xact_id()" in sources["brandgate_audit_seal_after_commit"]


def test_a_failed_seal_still_flushes_the_writers_commit(pg: Database) -> None:
    """The seal fails (here: a trigger refuses the chain's insert): the writer's work stands,
    its entry waits to be sealed, and its commit was flushed before the round trip returned."""
    with pg.engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused'; END; $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON audit_entries "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        )
    before_commit = _append_and_commit(pg, "UFAIL")
    assert _flushed(pg) > before_commit
    with pg.reading() as session:
        assert pending_count(session) == 1
    with pg.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER refuse ON audit_entries"))
    assert seal(pg) == 1
    result = verify(pg)
    assert result.ok and result.count == 1 and result.pending == 0

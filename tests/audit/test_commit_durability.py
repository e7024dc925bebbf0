"""PostgreSQL: a writer's COMMIT that returned is flushed to disk, whoever sealed its entries.

The seal after the commit runs without waiting for a flush (the entries are durable already in
`audit_pending`); any attempt to share flushes between writers (group commit: the writer not
waiting, the seal flushing for the batch) must keep this promise, and these tests hold it,
also when the seal fails. (Flushed past the position reached before the COMMIT: a flush by
anyone else can make this pass spuriously, never fail spuriously.)
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
        pytest.skip("the deferred seal is the PostgreSQL path (SQLite chains in the transaction)")
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

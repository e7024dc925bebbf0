from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from models import Base
from models.db import Database
from models.migrate import current_revision, head_revision
from models.portal import POSTGRESQL_ONLY_INDEXES


def _compared(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
    return not (kind == "index" and name in POSTGRESQL_ONLY_INDEXES)


def test_migrations_upgrade_an_empty_database_and_match_the_models(db_url: str) -> None:
    db = Database(db_url, upgrade=False)
    try:
        with db.engine.connect() as conn:
            assert current_revision(conn) is None
        assert db.upgrade() == head_revision()
        with db.engine.connect() as conn:
            assert current_revision(conn) == head_revision()
            tables = set(inspect(conn).get_table_names())
            assert set(Base.metadata.tables) <= tables
            diff = compare_metadata(
                MigrationContext.configure(
                    conn, opts={"compare_type": True, "include_object": _compared}
                ),
                Base.metadata,
            )
        assert diff == [], f"models and migrations differ: {diff}"
        assert db.upgrade() == head_revision()  # idempotent
    finally:
        db.dispose()


def test_the_head_constant_names_the_newest_migration(db_url: str) -> None:
    """`models.head.HEAD_REVISION` lets a current database open without loading Alembic: it
    must be Alembic's head, and a database not at it still takes the Alembic path."""
    from models import db as db_module
    from models.head import HEAD_REVISION

    assert head_revision() == HEAD_REVISION
    db = Database(db_url, upgrade=False)
    try:
        db_module._upgraded.discard(db.safe_url)
        assert db.upgrade(only_if_needed=True) == HEAD_REVISION  # empty: Alembic migrated it
        db_module._upgraded.discard(db.safe_url)
        assert db.upgrade(only_if_needed=True) is None  # current: the one-query path
        with db.engine.connect() as conn:
            assert current_revision(conn) == HEAD_REVISION
    finally:
        db.dispose()

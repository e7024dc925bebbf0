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

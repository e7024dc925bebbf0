"""Alembic driven from code, so migrations work from an installed package without alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Arbitrary constant: the PostgreSQL advisory lock that serialises concurrent first-use upgrades.
_PG_UPGRADE_LOCK = 0x62726E64


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_engine(engine: Engine) -> str | None:
    """Upgrade to head unless already there; safe when several processes do it at once."""
    head = head_revision()
    with engine.connect() as connection:
        if current_revision(connection) == head:
            return head
    # engine.begin() takes SQLite's write lock (BEGIN IMMEDIATE); PostgreSQL uses an advisory lock.
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_UPGRADE_LOCK})
        if current_revision(connection) != head:
            command.upgrade(alembic_config(connection=connection), "head")
    return head

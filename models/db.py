"""Engine and session factory for a database URL, upgraded to the latest schema on first use.

SQLite gets WAL (readers never block the writer), a busy timeout (writers queue instead of
failing) and foreign keys. Every write transaction on SQLite starts with BEGIN IMMEDIATE: it takes
the write lock up front, so read-check-write sequences (a decision, an audit append) are
serialised across threads and processes exactly like `SELECT ... FOR UPDATE` does on PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 60_000
#: execution options for an engine whose `begin()` blocks each run one statement: SQLite sends
#: no BEGIN, so the statement commits on its own and holds the file's write lock only while
#: SQLite executes it (in C, without the GIL), not across three driver calls between which the
#: thread may wait for the GIL with the lock held. Nothing else changes on PostgreSQL.
SQLITE_STATEMENT = {"sqlite_begin": None}
AFTER_COMMIT = "after_commit"

_upgraded: set[str] = set()
_upgrade_lock = threading.Lock()


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module, which would otherwise issue a
        # deferred BEGIN lazily; we emit our own BEGIN in `_on_begin`.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode is None:
            # SQLITE_STATEMENT: no BEGIN, each statement is a transaction of its own (atomic
            # and as durable as a committed BEGIN...COMMIT); for writers of one statement
            return
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url` with the per-dialect settings above (no schema work)."""
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        engine = create_engine(
            url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs
        )
        _install_sqlite_hooks(engine)
        return engine
    # No pool_pre_ping: it costs a round trip per transaction; a dropped connection surfaces as
    # an error on first use and the pool discards it.
    return create_engine(url, **kwargs)


class Database:
    """One database: `transaction()` for writes, `reading()` for reads that take no write lock."""

    def __init__(self, url: str, *, upgrade: bool = True, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.dialect = self.engine.dialect.name
        # Readers on SQLite begin DEFERRED so an export never holds the write lock.
        self.read_engine = (
            self.engine.execution_options(sqlite_begin="DEFERRED")
            if self.dialect == "sqlite"
            else self.engine
        )
        # Made on first use: the ORM is a fifth of a CLI start, and `brandgate report` runs Core
        # statements only.
        self._session_factories: tuple[sessionmaker[Session], sessionmaker[Session]] | None = None
        if upgrade:
            self.upgrade(only_if_needed=True)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def _factories(self) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
        if self._session_factories is None:
            from sqlalchemy.orm import sessionmaker

            self._session_factories = (
                sessionmaker(self.engine, expire_on_commit=False),
                sessionmaker(self.read_engine, expire_on_commit=False),
            )
        return self._session_factories

    @property
    def _sessions(self) -> sessionmaker[Session]:
        return self._factories()[0]

    @property
    def _read_sessions(self) -> sessionmaker[Session]:
        return self._factories()[1]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one write transaction: committed on success, rolled back on error.

        Callables in `session.info["after_commit"]` run once the commit succeeded (the audit
        log uses this to seal the entries the transaction wrote).
        """
        with self._sessions() as session:
            with session.begin():
                yield session
            for hook in session.info.pop(AFTER_COMMIT, ()):
                try:
                    hook()
                except Exception:
                    # The transaction is committed: its work stands. A failed follow-up (e.g.
                    # sealing audit entries) is retried by the next one, so report, don't raise.
                    log.warning("after-commit hook %r failed", hook, exc_info=True)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read_sessions() as session, session.begin():
            yield session

    def upgrade(self, *, only_if_needed: bool = False) -> str | None:
        """Bring the schema to the latest migration; returns the revision now current."""
        key = self.safe_url
        if only_if_needed and key in _upgraded:
            return None
        if only_if_needed and self._at_head():
            _upgraded.add(key)
            return None
        from models.migrate import upgrade_engine

        with _upgrade_lock:
            revision = upgrade_engine(self.engine)
            _upgraded.add(key)
        return revision

    def _at_head(self) -> bool:
        """One query instead of Alembic: is the schema already at the newest revision?"""
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        from models.head import HEAD_REVISION

        try:
            with self.engine.connect() as conn:
                found: list[str] = list(
                    conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
                )
                return found == [HEAD_REVISION]
        except SQLAlchemyError:
            return False  # no schema yet, or unreadable: the Alembic path decides and reports

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """The database at `url`, upgraded on first use. The application reads the URL from its own
    configuration (`bot.config`) and passes it in: the models know nothing of the application."""
    return Database(url, upgrade=upgrade)

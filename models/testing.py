"""Throw-away databases for tests and benchmarks.

PostgreSQL: each scratch database is a fresh schema selected through the URL's `search_path`
option, so the same URL works in child processes and tests never see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _with_search_path(base_url: str, schema: str) -> str:
    url = make_url(base_url)
    query = dict(url.query)
    query["options"] = f"-csearch_path={schema}"
    return url.set(query=query).render_as_string(hide_password=False)


@contextmanager
def scratch_database_url(base_url: str | None, directory: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file in `directory`, or a new PostgreSQL schema."""
    if base_url is None or base_url.startswith("sqlite"):
        yield f"sqlite:///{directory / f'brandgate-{uuid.uuid4().hex[:8]}.db'}"
        return
    schema = f"bg_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield _with_search_path(base_url, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


__all__ = ["scratch_database_url"]

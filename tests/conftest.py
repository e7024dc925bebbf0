"""Fixtures shared by every database test: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.

Each test gets a scratch database of its own (a file for SQLite, a fresh schema on PostgreSQL).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.db import Database
from models.testing import scratch_database_url

PG_SKIP = (
    "PostgreSQL tests need TEST_DATABASE_URL "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test; .ci/run sets it)"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    base = None
    if request.param == "postgresql":
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            pytest.skip(PG_SKIP)
    with scratch_database_url(base, tmp_path) as url:
        yield url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()

"""Fixtures shared by every database test: SQLite always, PostgreSQL when TEST_DATABASE_URL is set.

Each test gets a scratch database of its own (a file for SQLite, a fresh schema on PostgreSQL).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from models.db import Database
from models.testing import scratch_database_url

PG_HOW = (
    "set TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test; "
    ".ci/run sets it)"
)
PG_SKIP = f"PostgreSQL tests need TEST_DATABASE_URL: {PG_HOW}"
_PG_LEFT_OUT = pytest.StashKey[int]()


def _runs_on_postgresql(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("db_url") == "postgresql"


@pytest.hookimpl(trylast=True)  # after -k/-m, so that the count is of tests that would have run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without TEST_DATABASE_URL, leave the PostgreSQL variants out (said once at the end),
    instead of skipping each one with the same reason on a line of its own."""
    if os.environ.get("TEST_DATABASE_URL"):
        return
    left_out = [item for item in items if _runs_on_postgresql(item)]
    if left_out:
        items[:] = [item for item in items if not _runs_on_postgresql(item)]
        config.hook.pytest_deselected(items=left_out)
        config.stash[_PG_LEFT_OUT] = len(left_out)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    left_out = config.stash.get(_PG_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(f"{left_out} PostgreSQL variants not run: {PG_HOW}")


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

"""Workflow fixtures: a database (SQLite always, PostgreSQL with TEST_DATABASE_URL), test brands."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from wfhelpers import ACME, SOLO

from bot.guidelines.loader import GuidelineStore
from bot.workflow import WorkflowService
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


@pytest.fixture
def guidelines_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "brands"
    folder.mkdir()
    (folder / "acme.yml").write_text(ACME, encoding="utf-8")
    (folder / "solo.yml").write_text(SOLO, encoding="utf-8")
    return folder


@pytest.fixture
def service(db: Database, guidelines_dir: Path) -> WorkflowService:
    return WorkflowService(db, GuidelineStore(guidelines_dir))

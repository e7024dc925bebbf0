"""Fixtures for the Slack tests: a fake Slack API and the real app on a real database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from models.testing import scratch_database_url
from tests.slack.brands import write_brands
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import Harness


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def guidelines_dir(tmp_path: Path) -> Path:
    return write_brands(tmp_path / "brands")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    with scratch_database_url(None, tmp_path) as url:
        yield url


@pytest.fixture
def slack(fake_slack: FakeSlack, db_url: str, guidelines_dir: Path) -> Iterator[Harness]:
    """The full stack (runs on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set)."""
    harness = Harness(fake_slack, db_url, guidelines_dir)
    yield harness
    harness.close()


@pytest.fixture
def slack_sqlite(fake_slack: FakeSlack, sqlite_url: str, guidelines_dir: Path) -> Iterator[Harness]:
    """The full stack on SQLite only, for tests about the HTTP/Slack layer itself."""
    harness = Harness(fake_slack, sqlite_url, guidelines_dir)
    yield harness
    harness.close()

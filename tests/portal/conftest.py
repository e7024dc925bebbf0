"""Fixtures of the portal tests: the world on SQLite, and on PostgreSQL when it is available."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.db import Database
from tests.portal.world import World, build_world


@pytest.fixture
def world(db: Database, tmp_path: Path) -> World:
    return build_world(db, tmp_path / "brands")

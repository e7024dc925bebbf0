"""One scripted history per database (SQLite and PostgreSQL), shared by the report tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from reporthistory import History, build_history, write_brands

from models.db import Database


@dataclass
class Scripted:
    url: str
    db: Database
    guidelines_dir: Path
    history: History


@pytest.fixture
def scripted(db_url: str, tmp_path: Path) -> Iterator[Scripted]:
    db = Database(db_url)
    folder = write_brands(tmp_path / "brands")
    history = build_history(db, folder)
    yield Scripted(db_url, db, folder, history)
    db.dispose()

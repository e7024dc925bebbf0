"""Workflow fixtures: the test brands and a service over the shared `db` fixture."""

from __future__ import annotations

from pathlib import Path

import pytest
from wfhelpers import ACME, SOLO

from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import WorkflowService
from models.db import Database


@pytest.fixture
def guidelines_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "brands"
    folder.mkdir()
    (folder / "acme.yml").write_text(ACME, encoding="utf-8")
    (folder / "solo.yml").write_text(SOLO, encoding="utf-8")
    return folder


@pytest.fixture
def service(db: Database, guidelines_dir: Path) -> WorkflowService:
    return WorkflowService(db, GuidelineStore(guidelines_dir, RULE_TYPES))

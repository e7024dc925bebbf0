"""Every entry records where its action came from: the CLI (who ran it, as whom) or a timer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.audit import draft_history
from bot.audit.origin import os_user
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import WorkflowService, run_timers
from models.db import Database
from tests.cli.conftest import run_cli
from tests.engine.support import EN_GUIDELINES, write_guidelines

SUBMIT = ["drafts", "submit", "--as", "U0AGENCY", "--brand", "northwind", "--platform", "x"]
TEXT = "Our TrailLite jacket kept three testers dry through a week of autumn rain."


@pytest.fixture
def folder(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_guidelines(tmp_path, "northwind", EN_GUIDELINES)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(tmp_path))
    return tmp_path


def test_cli_entries_name_the_os_user_and_the_as_typed(folder: Path, db_url: str) -> None:
    ran = run_cli([*SUBMIT, "--format", "json", TEXT])
    assert ran.status == 0, ran.err
    draft = int(json.loads(ran.out.splitlines()[-1])["id"])
    assert run_cli(["drafts", "decide", str(draft), "approve", "--as", "U01BRAND1"]).status == 0
    db = Database(db_url)
    try:
        history = draft_history(db, draft)
    finally:
        db.dispose()
    me = os_user()
    submitter = {"via": "cli", "os_user": me, "as": "U0AGENCY"}
    by_event = {e["event"]: e["payload"]["origin"] for e in history}
    # the system's own entries in that command (checked, routed) came from it too
    assert by_event["submitted"] == by_event["checked"] == by_event["routed"] == submitter
    assert by_event["decided"] == {"via": "cli", "os_user": me, "as": "U01BRAND1"}
    shown = run_cli(["audit", "show", str(draft)])
    assert f"[via cli, os user {me} as U01BRAND1]" in shown.out.splitlines()[-1]
    exported = run_cli(["audit", "export", "--format", "csv"])
    assert '""os_user"":' in exported.out  # inside the payload column of every export


def test_timer_entries_say_timer(folder: Path, db: Database) -> None:
    service = WorkflowService(db, GuidelineStore(folder, RULE_TYPES))
    now = datetime.now(UTC)
    view = service.submit(
        submitter="U0AGENCY",
        brand="northwind",
        platform="x",
        text=TEXT,
        publish_at=now + timedelta(hours=1),
    )
    assert run_timers(service, now + timedelta(hours=2))["expired"] == 1
    origins = {e["event"]: e["payload"]["origin"] for e in draft_history(db, view.id)}
    assert origins["expired"] == {"via": "timer"}
    # no adapter said where the submission came from: the log says so rather than guess
    assert origins["submitted"] == {"via": "unspecified"}


def test_timers_run_from_the_cli_keep_who_ran_them(folder: Path, db_url: str) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    ran = run_cli([*SUBMIT, "--publish-at", soon, "--format", "json", TEXT])
    assert ran.status == 0, ran.err
    draft = int(json.loads(ran.out.splitlines()[-1])["id"])
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    assert run_cli(["timers", "run", "--now", later]).status == 0
    db = Database(db_url)
    try:
        (expired,) = [e for e in draft_history(db, draft) if e["event"] == "expired"]
    finally:
        db.dispose()
    assert expired["payload"]["origin"] == {"via": "timer", "os_user": os_user()}

"""`publish_at`: taken on submit (service, CLI flag, calendar column), stored, audited, shown to
approvers, and replaced by a revision."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from wfhelpers import CLEAN, assert_chain_ok, audit_events, outbox_rows

from bot.cli.main import main
from bot.workflow import WorkflowService
from bot.workflow.errors import WorkflowError
from models import Draft
from models.db import Database

PLANNED = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def test_submit_stores_and_shows_publish_at(service: WorkflowService, db: Database) -> None:
    view = service.submit(
        submitter="UAGENCY1",
        brand="acme",
        platform="x",
        text=CLEAN,
        publish_at=datetime.fromisoformat("2026-12-03T10:00:00+01:00"),
    )
    assert view.state == "in_review"
    assert view.to_json()["publish_at"] == "2026-12-03T09:00:00.000000Z"
    with db.reading() as session:
        assert session.get(Draft, view.id).publish_at == PLANNED
    submitted = [e for e in audit_events(db, view.id) if e.event == "submitted"]
    assert json.loads(submitted[0].payload)["publish_at"] == "2026-12-03T09:00:00+00:00"
    requests = [m for m in outbox_rows(db, view.id) if m.kind == "review_request"]
    assert requests and all(m.payload["publish_at"] == PLANNED.isoformat() for m in requests)
    assert_chain_ok(db)


def test_publish_at_without_zone_is_refused(service: WorkflowService) -> None:
    with pytest.raises(WorkflowError, match="time zone"):
        service.submit(
            submitter="UAGENCY1",
            brand="acme",
            platform="x",
            text=CLEAN,
            publish_at=datetime(2026, 12, 3, 9, 0),
        )


def test_revision_carries_a_new_publish_at(service: WorkflowService, db: Database) -> None:
    view = service.submit(
        submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN, publish_at=PLANNED
    )
    later = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)
    revised = service.revise(view.id, actor="UAGENCY1", text=CLEAN + " Now.", publish_at=later)
    assert revised.publish_at == "2026-12-05T09:00:00.000000Z"
    entry = [e for e in audit_events(db, view.id) if e.event == "revised"][-1]
    assert json.loads(entry.payload)["publish_at"] == later.isoformat()
    unchanged = service.revise(view.id, actor="UAGENCY1", text=CLEAN + " Again.")
    assert unchanged.publish_at == "2026-12-05T09:00:00.000000Z"


@pytest.fixture
def cli(db_url: str, guidelines_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BRAND_GUIDELINES_DIR", str(guidelines_dir))

    def run(*argv: str) -> tuple[int, str, str]:
        try:
            status = main(list(argv))
        except SystemExit as exc:
            status = int(exc.code or 0)
        out, err = capsys.readouterr()
        return status, out, err

    return run


BASE = ("drafts", "submit", "--as", "UAGENCY1", "--brand", "acme", "--platform", "x")


def test_cli_flag_and_calendar_column(cli, tmp_path: Path) -> None:
    status, out, _ = cli(*BASE, "--publish-at", "2026-12-03T09:00Z", "--format", "json", CLEAN)
    assert status == 0, out
    assert json.loads(out.splitlines()[-1])["publish_at"] == "2026-12-03T09:00:00.000000Z"

    calendar = tmp_path / "calendar.csv"
    calendar.write_text(
        f'id,text,publish_at\nr1,"{CLEAN} One.",2026-12-04T08:30:00+00:00\nr2,"{CLEAN} Two.",\n',
        encoding="utf-8",
    )
    status, out, err = cli(*BASE, "--input", str(calendar), "--format", "json")
    assert status == 0, err
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert [r["publish_at"] for r in rows] == ["2026-12-04T08:30:00.000000Z", None]


def test_cli_bad_publish_at_is_a_usage_error(cli, tmp_path: Path) -> None:
    status, _, err = cli(*BASE, "--publish-at", "tomorrow", CLEAN)
    assert status == 2 and "publish_at" in err and "Traceback" not in err
    calendar = tmp_path / "calendar.jsonl"
    calendar.write_text(
        json.dumps({"id": "a", "text": CLEAN, "publish_at": "2026-12-04 08:30"}) + "\n",
        encoding="utf-8",
    )
    status, out, err = cli(*BASE, "--input", str(calendar))
    assert status == 2 and "publish_at" in err + out

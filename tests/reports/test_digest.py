"""The weekly digest: Monday 09:00 in the brand's timezone, once per brand and week however many
runners, never to an approver who switched it off (bot/reports/digest.py), on both databases."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.guidelines.model import Guidelines
from bot.reports.digest import KIND, digest_enabled, send_digests, set_digest
from models import OutboxMessage, ReportDigest
from models.db import Database

ROME = """\
brand: Roma Caffè
language: en
version: "digest-test"
rules: []
approvers:
  brand: [UROME1, UROME2]
  legal: [UROME2, UROME3]
routing:
  default: [brand]
sla:
  default: 4h
  business_hours:
    timezone: Europe/Rome
    days: [mon, tue, wed, thu, fri]
    hours: "09:00-18:00"
"""

PLAIN = """\
brand: Plain Co
language: en
version: "digest-test"
rules: []
approvers:
  brand: [UPLAIN1]
routing:
  default: [brand]
"""


def brands(tmp_path: Path, **files: str) -> list[Guidelines]:
    folder = tmp_path / "brands"
    folder.mkdir()
    for name, body in files.items():
        (folder / f"{name}.yml").write_text(body, encoding="utf-8")
    store = GuidelineStore(folder, RULE_TYPES)
    return [store.get(b) for b in store.brand_ids()]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def digests(db: Database) -> list[tuple[str, str, str]]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(OutboxMessage.recipient, OutboxMessage.payload).where(OutboxMessage.kind == KIND)
        ).all()
    return sorted((str(r.payload["brand"]), str(r.payload["week"]), str(r.recipient)) for r in rows)


def test_monday_nine_local_time_once_per_approver(db: Database, tmp_path: Path) -> None:
    gs = brands(tmp_path, rome=ROME, plain=PLAIN)
    # 2026-11-30 is a Monday; Rome is UTC+1 in winter, so 09:00 there is 08:00 UTC.
    assert send_digests(db, gs, now=utc(2026, 11, 30, 7, 59)).brands == 0
    assert digests(db) == []
    run = send_digests(db, gs, now=utc(2026, 11, 30, 8, 0))
    assert (run.brands, run.messages) == (1, 3)
    assert digests(db) == [
        ("rome", "2026-11-30", "UROME1"),
        ("rome", "2026-11-30", "UROME2"),  # in two groups, one digest
        ("rome", "2026-11-30", "UROME3"),
    ]
    # The UTC brand (no business hours) at 09:00 UTC; Rome is not sent again.
    assert send_digests(db, gs, now=utc(2026, 11, 30, 8, 59)).brands == 0
    assert send_digests(db, gs, now=utc(2026, 11, 30, 9, 0)).brands == 1
    assert send_digests(db, gs, now=utc(2026, 11, 30, 15, 0)).brands == 0
    assert len(digests(db)) == 4
    # Tuesday: nothing (a Monday missed is skipped, not sent late); next Monday: a new week.
    assert send_digests(db, gs, now=utc(2026, 12, 1, 9, 0)).brands == 0
    assert send_digests(db, gs, now=utc(2026, 12, 7, 9, 0)).brands == 2
    assert len(digests(db)) == 8


def test_the_digest_holds_last_weeks_numbers(db: Database, tmp_path: Path) -> None:
    gs = brands(tmp_path, plain=PLAIN)
    send_digests(db, gs, now=utc(2026, 11, 30, 9, 30))
    with db.engine.connect() as conn:
        (payload,) = conn.execute(select(OutboxMessage.payload)).scalars()
    text = payload["text"]
    assert text.startswith("Weekly brandgate digest for Plain Co (plain), week of 2026-11-23")
    assert "Drafts submitted: 0" in text and "App Home" in text


def test_an_approver_who_switched_it_off_gets_none(db: Database, tmp_path: Path) -> None:
    gs = brands(tmp_path, rome=ROME)
    set_digest(db, "UROME2", enabled=False)
    set_digest(db, "UROME3", enabled=False)
    set_digest(db, "UROME3", enabled=True)  # and on again
    assert not digest_enabled(db, "UROME2") and digest_enabled(db, "UROME3")
    send_digests(db, gs, now=utc(2026, 11, 30, 8, 0))
    assert [r for _, _, r in digests(db)] == ["UROME1", "UROME3"]


def test_daylight_saving_week(db: Database, tmp_path: Path) -> None:
    gs = brands(tmp_path, rome=ROME)
    # Europe moved to summer time on Sunday 2026-03-29: on Monday 09:00 in Rome is 07:00 UTC.
    assert send_digests(db, gs, now=utc(2026, 3, 30, 6, 59)).brands == 0
    assert send_digests(db, gs, now=utc(2026, 3, 30, 7, 0)).brands == 1
    # The week before, still winter time: 08:00 UTC.
    assert send_digests(db, gs, now=utc(2026, 3, 23, 7, 59)).brands == 0
    assert send_digests(db, gs, now=utc(2026, 3, 23, 8, 0)).brands == 1


def test_a_timezone_ahead_of_utc_sends_on_sunday_utc(db: Database, tmp_path: Path) -> None:
    nz = ROME.replace("Europe/Rome", "Pacific/Auckland")  # UTC+13 in (southern) summer
    gs = brands(tmp_path, nz=nz)
    assert send_digests(db, gs, now=utc(2026, 11, 29, 20, 0)).brands == 1
    with db.engine.connect() as conn:
        assert conn.execute(select(ReportDigest.week_start)).scalar_one() == date(2026, 11, 30)


@pytest.mark.parametrize("runners", [2, 4])
def test_concurrent_runners_send_one_digest(db: Database, tmp_path: Path, runners: int) -> None:
    gs = brands(tmp_path, rome=ROME, plain=PLAIN)
    start = threading.Barrier(runners)
    sent: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait()
            sent.append(send_digests(db, gs, now=utc(2026, 11, 30, 10, 0)).brands)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sum(sent) == 2
    assert len(digests(db)) == 4  # three Rome approvers and one Plain approver, once each
    with db.engine.connect() as conn:
        assert len(conn.execute(select(ReportDigest.brand_id)).all()) == 2

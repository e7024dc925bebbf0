"""`serve` wakes at once when a due time is near (SPEC "Workflow over time": "every minute",
and a two-minute SLA must not be escalated a minute late): the ticker sleeps until the earlier
of its interval and the next due time, read by index from the database. A settable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.slack.ticker import Ticker
from bot.workflow import WorkflowService
from bot.workflow.service import next_due
from models.db import Database

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
BRAND = """\
brand: Quick
language: en
approvers:
  brand: [UBRAND1]
routing:
  default: [brand]
sla:
  default: 45m
  reminders: 0
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def test_sleeps_until_the_sooner_of_a_minute_and_the_next_due_time() -> None:
    clock = Clock()
    due: list[datetime | None] = [None]
    ticker = Ticker(lambda: 0, 60.0, name="t", next_due=lambda: due[0], clock=clock)
    assert ticker.wait_seconds() == 60.0  # nothing due
    due[0] = T0 + timedelta(seconds=12)
    assert ticker.wait_seconds() == 12.0
    due[0] = T0 + timedelta(hours=3)
    assert ticker.wait_seconds() == 60.0
    due[0] = T0 - timedelta(seconds=5)  # overdue work that keeps failing must not spin
    assert ticker.wait_seconds() == 1.0
    assert Ticker(lambda: 0, 60.0, name="plain").wait_seconds() == 60.0


def test_a_failing_due_lookup_falls_back_to_the_interval() -> None:
    def broken() -> datetime | None:
        raise RuntimeError("database away")

    assert Ticker(lambda: 0, 60.0, name="t", next_due=broken).wait_seconds() == 60.0


def test_next_due_reads_timers_and_away_returns(db: Database, tmp_path: Path) -> None:
    (tmp_path / "quick.yml").write_text(BRAND, encoding="utf-8")
    clock = Clock()
    service = WorkflowService(db, GuidelineStore(tmp_path, RULE_TYPES), clock=clock)
    assert next_due(service) is None
    service.submit(submitter="UAGENCY1", brand="quick", platform="x", text="Dry on every trail.")
    assert next_due(service) == T0 + timedelta(minutes=45)
    service.away_set("UBRAND1", until=T0 + timedelta(minutes=10))
    assert next_due(service) == T0 + timedelta(minutes=10)
    ticker = Ticker(lambda: 0, 60.0, name="t", next_due=lambda: next_due(service), clock=clock)
    clock.now = T0 + timedelta(minutes=9, seconds=30)
    assert ticker.wait_seconds() == 30.0

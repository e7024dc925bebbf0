"""A brand with an `sla:` block, and a timers runner for child processes (spawned by tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import WorkflowService, run_timers
from models.db import Database

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

TIMED = """\
brand: Timed Test
language: en
rules:
  - id: no-guarantees
    type: existence
    level: error
    tokens: [guarantee]
    category: legal
approvers:
  brand: [UBRAND1, UBRAND2]
  backup: [UBACKUP1, UAGENCY1]
routing:
  default: [brand]
sla:
  default: 24h
  rules:
    - when: {kind: reply}
      within: 2h
  reminders: 2
  escalate_to: [backup]
"""


def run_in_process(url: str, brands: str, now: datetime, barrier: Any, results: Any) -> None:
    db = Database(url)
    service = WorkflowService(db, GuidelineStore(brands, RULE_TYPES))
    barrier.wait()
    try:
        results.put(("ok", run_timers(service, now)))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put(("error", repr(exc)))
    finally:
        db.dispose()

"""`escalated` entries say why: an overdue stage (`reason: "sla"`) or routing's fallback for a
group with nobody eligible (`reason: "no_eligible_approver"`); reports count only the first
as SLA breaches."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from timerhelpers import T0, TIMED
from wfhelpers import CLEAN, audit_events

from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.reports.period import Period
from bot.reports.service import build_report
from bot.workflow import WorkflowService, run_timers
from models.db import Database

# The `pr` group holds only the submitter: routing falls back to the default and logs it.
FALLBACK = TIMED.replace(
    "  backup: [UBACKUP1, UAGENCY1]\n", "  backup: [UBACKUP1, UAGENCY1]\n  pr: [UAGENCY1]\n"
).replace(
    "routing:\n  default: [brand]\n",
    "routing:\n  default: [brand]\n  rules:\n    - when: {sponsored: true}\n      stages: [pr]\n",
)


def test_sla_and_fallback_escalations_are_told_apart(db: Database, tmp_path: Path) -> None:
    (tmp_path / "timed.yml").write_text(FALLBACK, encoding="utf-8")
    now = [T0]
    service = WorkflowService(db, GuidelineStore(tmp_path, RULE_TYPES), clock=lambda: now[0])
    overdue = service.submit(submitter="UAGENCY1", brand="timed", platform="x", text=CLEAN).id
    fallback = service.submit(
        submitter="UAGENCY1", brand="timed", platform="x", text=CLEAN, sponsored=True
    ).id
    assert run_timers(service, T0 + timedelta(hours=1))["escalated"] == 0
    reasons = {
        e.draft_id: json.loads(e.payload)["reason"]
        for e in audit_events(db)
        if e.event == "escalated"
    }
    assert reasons == {fallback: "no_eligible_approver"}
    # the fallback draft is approved before its deadline; the other one goes overdue
    service.approve(fallback, actor="UBRAND1")
    run_timers(service, T0 + timedelta(hours=25))
    reasons = [
        (e.draft_id, json.loads(e.payload)["reason"])
        for e in audit_events(db)
        if e.event == "escalated"
    ]
    assert sorted(reasons) == sorted([(fallback, "no_eligible_approver"), (overdue, "sla")])
    report = build_report(
        db, period=Period(T0 - timedelta(days=1), T0 + timedelta(days=2)), brand="timed"
    )
    assert report.metrics.sla_breaches == 1

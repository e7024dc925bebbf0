"""A scripted history of drafts at known times, through the real workflow service, whose report
the tests compute by hand (see test_report.py for the expected figures and why)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from bot.audit.events import AuditEvent
from bot.audit.log import append
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import WorkflowService
from models import Draft
from models.db import Database

BRAND = """\
brand: Acme Test
language: en
version: "t1"
platforms:
  x: {max_chars: 280, max_hashtags: 2}
  linkedin: {max_chars: 3000}
rules:
  - id: no-guarantees
    type: existence
    level: error
    message: "Avoid absolute promises: '%s'."
    tokens: [guarantee]
    category: legal
  - id: cheap
    type: substitution
    level: warning
    message: "Say '%s' instead of '%s'."
    swap: {cheap: affordable}
  - id: ignores-customer
    type: relevance
    level: warning
approvers:
  brand: [UBRAND1, UBRAND2]
  legal: [ULEGAL1]
  pr: [UBRAND1]
routing:
  default: [brand]
  rules:
    - when: {category: legal}
      stages: [legal, brand]
    - when: {platform: linkedin}
      stages: [{group: brand, mode: all}]
    - when: {sponsored: true}
      stages: [pr]
policy:
  auto_approve:
    - {kind: reply, verdict: pass}
submitters: [UAGENCY1, UAGENCY2, UBRAND1]
"""

OTHER = """\
brand: Other Test
language: en
version: "t1"
approvers:
  brand: [UOTHER]
routing:
  default: [brand]
submitters: ["*"]
"""

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
SINCE, UNTIL = "2026-11-02", "2026-11-16"
WEEK1, WEEK2 = "2026-11-02", "2026-11-09"
CLEAN = "Our new jacket keeps you dry on every trail."
LEGAL = "We guarantee this jacket keeps you dry."


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> Clock:
        self.now = moment
        return self


@dataclass
class History:
    ids: dict[str, int] = field(default_factory=dict)


def write_brands(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "acme.yml").write_text(BRAND, encoding="utf-8")
    (folder / "other.yml").write_text(OTHER, encoding="utf-8")
    return folder


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def build_history(db: Database, guidelines_dir: Path) -> History:
    clock = Clock()
    wf = WorkflowService(db, GuidelineStore(guidelines_dir, RULE_TYPES), clock=clock)
    h = History()

    def submit(
        name: str,
        when: datetime,
        submitter: str,
        text: str,
        *,
        brand: str = "acme",
        platform: str = "x",
        kind: str = "post",
        context: str | None = None,
        sponsored: bool = False,
    ) -> int:
        clock.at(when)
        view = wf.submit(
            submitter=submitter,
            brand=brand,
            platform=platform,
            text=text,
            kind=kind,
            context=context,
            sponsored=sponsored,
        )
        h.ids[name] = view.id
        return view.id

    # Outside the period on both sides (the bounds are [since, until)).
    d0 = submit("D0", datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC), "UAGENCY1", CLEAN)
    clock.at(datetime(2026, 11, 2, 0, 10, tzinfo=UTC))
    wf.reject(d0, actor="UBRAND1", reason="before the period")
    submit("D19", datetime(2026, 11, 16, tzinfo=UTC), "UAGENCY1", CLEAN)
    # Another brand inside the period: never in acme's report.
    submit("X1", T0, "UAGENCY1", CLEAN, brand="other")

    # Week 1.
    d1 = submit("D1", T0, "UAGENCY1", CLEAN)
    clock.at(T0 + minutes(30))
    wf.approve(d1, actor="UBRAND1")

    d2 = submit("D2", T0 + minutes(60), "UAGENCY1", LEGAL)  # blocked
    clock.at(T0 + minutes(120))
    wf.override(d2, actor="UAGENCY1", reason="cleared with legal last week")
    clock.at(T0 + minutes(180))
    wf.reject(d2, actor="ULEGAL1", reason="not a claim we can make")

    day = timedelta(days=1)
    d3 = submit("D3", T0 + day, "UAGENCY2", CLEAN, platform="linkedin")  # stage mode all
    clock.at(T0 + day + minutes(60))
    wf.request_changes(d3, actor="UBRAND1", comment="mention the hood")
    clock.at(T0 + day + minutes(120))
    wf.revise(d3, actor="UAGENCY2", text="Our new jacket, hood included, keeps you dry.")
    clock.at(T0 + day + minutes(180))
    wf.approve(d3, actor="UBRAND1")
    clock.at(T0 + day + minutes(240))
    wf.approve(d3, actor="UBRAND2")

    submit(
        "D4",
        T0 + day + minutes(300),
        "UAGENCY2",
        "Yes, the jacket comes in blue and in green.",
        kind="reply",
        context="Does the jacket come in blue?",
    )  # clean reply: approved by the policy

    d5 = submit(
        "D5",
        T0 + 2 * day,
        "UAGENCY1",
        "We appreciate your feedback and thank you for sharing your concerns.",
        kind="reply",
        context="My parcel never arrived and the tracking page shows nothing.",
    )  # ignores the customer: a relevance warning, approved anyway
    clock.at(T0 + 2 * day + minutes(10))
    wf.approve(d5, actor="UBRAND2")

    d6 = submit("D6", T0 + 2 * day + minutes(60), "UAGENCY1", "Our cheap jacket keeps you dry.")
    clock.at(T0 + 2 * day + minutes(80))
    wf.edit_and_approve(d6, actor="UBRAND1", text="Our affordable jacket keeps you dry.")

    # Sponsored, by UBRAND1: the pr group has nobody else, so routing falls back to the brand
    # group and logs an `escalated` fallback entry, which is not an SLA breach. Left pending.
    submit("DS", T0 + 3 * day, "UBRAND1", "Our new jacket keeps you dry. #ad", sponsored=True)

    # Week 2.
    d7 = submit("D7", T0 + 8 * day, "UAGENCY2", CLEAN)
    clock.at(T0 + 8 * day + minutes(60))
    wf.withdraw(d7, actor="UAGENCY2", reason="campaign moved")

    d8 = submit("D8", T0 + 8 * day + minutes(120), "UAGENCY1", CLEAN)
    # The SLA work of a later issue logs `escalated` for an overdue stage and then expires the
    # draft at its publication time; written here as that work will.
    with db.transaction() as session:
        append(
            session,
            [
                AuditEvent(
                    "escalated",
                    "brandgate",
                    "acme",
                    d8,
                    1,
                    None,
                    {"stage": 1, "group": "brand", "reason": "overdue"},
                )
            ],
        )
        session.execute(update(Draft).where(Draft.id == d8).values(state="expired"))

    for i in range(10):
        at = T0 + 9 * day + minutes(30 * i)
        d = submit(f"C{i}", at, "UAGENCY2", f"Our cheap jacket model {chr(65 + i)} keeps you dry.")
        clock.at(at + minutes(15))
        wf.approve(d, actor="UBRAND2")

    last = submit("DL", datetime(2026, 11, 15, 23, 59, 59, tzinfo=UTC), "UAGENCY1", CLEAN)
    clock.at(datetime(2026, 11, 16, 0, 4, 59, tzinfo=UTC))  # decided after the period: counts
    wf.approve(last, actor="UBRAND1")
    return h

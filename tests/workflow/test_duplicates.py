"""Copy-paste replies caught through the workflow: every revision is indexed, every check looks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from wfhelpers import outbox_rows

from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import WorkflowService
from bot.workflow.snapshots import DraftView
from models import RevisionSignature, SignatureBand
from models.db import Database

DUP = """\
brand: Dup Test
language: en
version: "t1"
values:
  - id: honest
    description: We say what we did, plainly.
    signals: [refund]
    contradictions: [miracle]
rules:
  - id: copy-paste
    type: duplicate
    level: warning
    window_days: 30
    threshold: 80
approvers:
  brand: [UBRAND1]
routing:
  default: [brand]
policy:
  auto_approve:
    - {kind: reply, verdict: pass}
submitters: ["*"]
"""

REPLY_ANNA = (
    "@anna_b Hi Anna, so sorry your order #48213 arrived late. We have refunded the shipping "
    "cost to your card and the tent should reach you by Friday. -Becky"
)
REPLY_MARCO = (
    "@marco_77 Hi Marco, so sorry your order #50977 arrived late. We have refunded the shipping "
    "cost to your card and the tent should reach you by Friday. ^JK"
)
GENUINE = (
    "@marco_77 A zipper should never split after two trips. Bring the jacket to any of our "
    "shops and the repair desk will fit a new slider while you wait, at no cost."
)
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def dup_service(db: Database, guidelines_dir: Path, clock: Clock) -> WorkflowService:
    (guidelines_dir / "dup.yml").write_text(DUP, encoding="utf-8")
    return WorkflowService(db, GuidelineStore(guidelines_dir, RULE_TYPES), clock=clock)


def reply(
    service: WorkflowService,
    text: str,
    brand: str = "dup",
    who: str = "UAGENCY1",
    kind: str = "reply",
) -> DraftView:
    return service.submit(
        submitter=who,
        brand=brand,
        platform="x",
        kind=kind,
        text=text,
        context="Where is my tent? Ordered two weeks ago.",
    )


def dup_findings(view: DraftView) -> list[dict[str, Any]]:
    return [f for f in view.findings if f["rule"] == "copy-paste"]


def test_same_reply_for_another_customer_is_caught(
    dup_service: WorkflowService, clock: Clock, db: Database
) -> None:
    first = reply(dup_service, REPLY_ANNA)
    assert dup_findings(first) == []
    assert first.state == "approved"  # a clean reply: approved by the brand's policy
    clock.now += timedelta(days=3)
    second = reply(dup_service, REPLY_MARCO, who="UAGENCY2")
    (found,) = dup_findings(second)
    assert f"closest: draft {first.id} " in found["message"]
    assert "1 earlier draft" in found["message"]
    assert found["level"] == "warning"
    # the finding takes the reply out of auto-approval: an approver sees it, with the values
    assert (second.verdict, second.state) == ("review", "in_review")
    (request,) = [m for m in outbox_rows(db, second.id) if m.kind == "review_request"]
    assert request.payload["values"] == {"honest": {"signals": 1, "contradictions": 0}}
    assert [f["rule"] for f in request.payload["findings"]] == ["copy-paste"]


def test_a_genuinely_different_reply_is_not_caught(
    dup_service: WorkflowService, clock: Clock
) -> None:
    reply(dup_service, REPLY_ANNA)
    clock.now += timedelta(hours=1)
    view = reply(dup_service, GENUINE)
    assert dup_findings(view) == []
    assert view.state == "approved"


def test_counts_every_earlier_copy_and_names_the_closest(
    dup_service: WorkflowService, clock: Clock
) -> None:
    ids = []
    for name in ("Anna", "Bea", "Carla"):
        clock.now += timedelta(days=1)
        ids.append(reply(dup_service, REPLY_ANNA.replace("Anna", name)).id)
    clock.now += timedelta(days=1)
    (found,) = dup_findings(reply(dup_service, REPLY_MARCO))
    assert "3 earlier draft(s)" in found["message"]
    # all equally similar: the latest is named
    assert f"closest: draft {ids[-1]} " in found["message"]


def test_window_brand_and_own_revisions_do_not_count(
    dup_service: WorkflowService, clock: Clock
) -> None:
    reply(dup_service, REPLY_ANNA)
    reply(dup_service, REPLY_ANNA, brand="solo")  # another brand's history
    clock.now += timedelta(days=31)  # outside the 30-day window
    view = reply(dup_service, REPLY_MARCO, kind="post")  # posts wait for an approver
    assert dup_findings(view) == []
    # revising a draft does not make it a copy of its own earlier revision
    clock.now += timedelta(hours=1)
    revised = dup_service.revise(
        view.id, actor="UAGENCY1", text=REPLY_MARCO.replace("by Friday", "by Friday morning")
    )
    assert dup_findings(revised) == []


def test_every_revision_is_indexed(dup_service: WorkflowService, db: Database) -> None:
    view = reply(dup_service, GENUINE, kind="post")
    dup_service.revise(view.id, actor="UAGENCY1", text=GENUINE + " Sorry again.")
    with db.reading() as session:
        signatures = session.scalar(select(func.count()).select_from(RevisionSignature))
        bands = session.scalar(select(func.count()).select_from(SignatureBand))
    assert (signatures, bands) == (2, 64)

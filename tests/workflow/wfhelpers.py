"""Test brands, texts and helpers shared by the workflow tests (and their child processes)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.audit import verify
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import AlreadyDecided, WorkflowService
from models import AuditEntry, OutboxMessage
from models.db import Database

ACME = """\
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
  - id: no-personal-data
    type: pii
    level: error
    overridable: false
  - id: cheap
    type: substitution
    level: warning
    message: "Say '%s' instead of '%s'."
    swap: {cheap: affordable}
approvers:
  brand: [UBRAND1, UBRAND2]
  legal: [ULEGAL1, ULEGAL2]
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
auditors: [UAUDIT]
"""

SOLO = """\
brand: Solo Test
language: en
version: "t1"
approvers:
  brand: [USOLO]
routing:
  default: [brand]
submitters: ["*"]
"""

CLEAN = "Our new jacket keeps you dry on every trail."
LEGAL = "We guarantee this jacket keeps you dry."
PII = "Write to jane.doe@example.com and we guarantee a reply."


def outbox_rows(db: Database, draft_id: int | None = None) -> list[OutboxMessage]:
    with db.reading() as session:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if draft_id is not None:
            stmt = stmt.where(OutboxMessage.draft_id == draft_id)
        return list(session.scalars(stmt).all())


def audit_events(db: Database, draft_id: int | None = None) -> list[AuditEntry]:
    with db.reading() as session:
        stmt = select(AuditEntry).order_by(AuditEntry.seq)
        if draft_id is not None:
            stmt = stmt.where(AuditEntry.draft_id == draft_id)
        return list(session.scalars(stmt).all())


def assert_chain_ok(db: Database) -> None:
    result = verify(db)
    assert result.ok, str(result)


def decide_in_process(
    url: str, brands: str, draft_id: int, actor: str, decision: str, barrier: Any, results: Any
) -> None:
    """Child process: wait for the others, then try to decide; report what happened."""
    db = Database(url)
    service = WorkflowService(db, GuidelineStore(brands, RULE_TYPES))
    barrier.wait()
    try:
        view = service.decide(draft_id, actor=actor, decision=decision, reason="because")
        results.put((actor, "ok", view.state))
    except AlreadyDecided as exc:
        results.put((actor, "already", str(exc)))
    except Exception as exc:  # reported to the parent, which fails the test
        results.put((actor, "error", repr(exc)))
    finally:
        db.dispose()

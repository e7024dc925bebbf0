"""Reading the log back: one draft's history, and `match`: was this exact text approved?"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select

from bot.audit.chain import format_time
from bot.audit.export import iter_entries
from models import AuditEntry, Decision, Draft, ReviewStage, Revision
from models.db import Database

APPROVED_STATES = ("approved", "published")


def draft_history(db: Database, draft_id: int) -> list[dict[str, Any]]:
    """Every audit entry about one draft, in chain order (each with its seq and hash)."""
    return [json.loads(line) for line in iter_entries(db, draft_id=draft_id)]


def brands_in_log(db: Database) -> list[str]:
    """Every brand id that has entries in the log."""
    with db.reading() as session:
        found = session.scalars(
            select(AuditEntry.brand_id).where(AuditEntry.brand_id.is_not(None)).distinct()
        ).all()
    return sorted(str(brand) for brand in found)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def match_text(db: Database, text: str) -> list[dict[str, Any]]:
    """Every revision whose text is exactly `text`, with whether and how it was approved.

    `approved` is true only when that revision is the one the draft was finally approved as
    (an earlier version that was later edited or revised does not count).
    """
    digest = text_sha256(text)
    matches: list[dict[str, Any]] = []
    with db.reading() as session:
        revisions = session.scalars(
            select(Revision)
            .where(Revision.text_sha256 == digest)
            .order_by(Revision.draft_id, Revision.number)
        ).all()
        for rev in revisions:
            if rev.text != text:  # a hash collision would be news, but stay exact
                continue
            draft = session.get(Draft, rev.draft_id)
            assert draft is not None
            approved = draft.state in APPROVED_STATES and draft.current_revision == rev.number
            decisions = session.execute(
                select(Decision, ReviewStage)
                .join(ReviewStage, Decision.stage_id == ReviewStage.id)
                .where(
                    Decision.draft_id == draft.id,
                    ReviewStage.review_round == draft.review_round,
                )
                .order_by(Decision.created_at, Decision.id)
            ).all()
            entries = session.execute(
                select(AuditEntry.seq, AuditEntry.event, AuditEntry.actor, AuditEntry.created_at)
                .where(AuditEntry.draft_id == draft.id, AuditEntry.event == "decided")
                .order_by(AuditEntry.seq)
            ).all()
            approved_at = None
            if approved and entries:
                approved_at = format_time(entries[-1].created_at)
            matches.append(
                {
                    "draft": draft.id,
                    "brand": draft.brand_id,
                    "platform": draft.platform,
                    "kind": draft.kind,
                    "submitter": draft.submitter,
                    "revision": rev.number,
                    "author": rev.author,
                    "current_revision": draft.current_revision,
                    "state": draft.state,
                    "approved": approved,
                    "approved_at": approved_at,
                    "approved_by_policy": draft.auto_approved_by,
                    "decisions": [
                        {
                            "actor": d.actor,
                            "decision": d.decision,
                            "revision": d.revision,
                            "stage": s.number,
                            "group": s.group_name,
                            "at": format_time(d.created_at),
                            "reason": d.reason,
                        }
                        for d, s in decisions
                    ],
                    "published_url": draft.published_url,
                    "guidelines_sha256": rev.guidelines_sha256,
                    "audit_seq": [e.seq for e in entries],
                }
            )
    return matches

"""A draft's pending timers (review deadline, reminders, escalation, expiry), for people to read:
`drafts show` and the demo print them so an SLA is visible before it fires."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Timer
from models.db import Database


def pending_timers(db: Database, draft_id: int) -> list[dict[str, Any]]:
    """Unfired timers of `draft_id`, soonest first: kind ("remind", "escalate", "expire"...),
    stage, review round and due time (ISO-8601, UTC)."""
    with db.reading() as session:
        rows = session.scalars(
            select(Timer)
            .where(Timer.draft_id == draft_id, Timer.fired_at.is_(None))
            .order_by(Timer.due_at, Timer.id)
        ).all()
        return [
            {
                "kind": t.kind,
                "stage": t.stage,
                "review_round": t.review_round,
                "due_at": t.due_at.isoformat(),
            }
            for t in rows
        ]

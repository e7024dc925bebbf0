"""The dispatcher's view of the workflow's outbox (`bot.workflow.outbox`) on one database."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from bot.workflow import outbox
from models import OutboxMessage
from models.db import Database


class WorkflowOutbox:
    def __init__(self, db: Database, *, lease_seconds: float = 60.0) -> None:
        self.db = db
        self.lease_seconds = lease_seconds

    def claim_due(self, now: datetime, limit: int) -> list[Any]:
        return outbox.claim_due(self.db, limit=limit, lease_seconds=self.lease_seconds, now=now)

    def renew(self, token: str, until: datetime) -> set[int]:
        return outbox.renew(self.db, token, until)

    def release(self, item_id: int, until: datetime) -> None:
        outbox.release(self.db, item_id, until)

    def mark_delivered(self, item_id: int, result: Mapping[str, Any], now: datetime) -> None:
        outbox.mark_delivered(self.db, item_id, result=dict(result), now=now)

    def mark_failed(
        self,
        item_id: int,
        error: str,
        retry_after: float | None,
        now: datetime,
        *,
        permanent: bool = False,
        outage: bool = False,
    ) -> datetime | None:
        # A Slack outage (5xx, no connection) must delay messages, never drop them: no attempt
        # limit for those (the backoff is capped by the workflow). Anything else that keeps
        # failing ends in the dead letter after MAX_ATTEMPTS, for an operator to see and retry.
        return outbox.mark_failed(
            self.db,
            item_id,
            error,
            retry_after=retry_after,
            max_attempts=None if outage else outbox.MAX_ATTEMPTS,
            permanent=permanent,
            now=now,
        )

    def result_of(self, dedupe_key: str) -> Mapping[str, Any] | None:
        return outbox.delivered_result(self.db, dedupe_key) if dedupe_key else None

    def settlement_of(self, draft_id: Any, dedupe_key: str) -> Mapping[str, Any] | None:
        if draft_id is None:
            return None
        with self.db.reading() as session:
            payloads: list[dict[str, Any]] = list(
                session.scalars(
                    select(OutboxMessage.payload).where(
                        OutboxMessage.draft_id == draft_id,
                        OutboxMessage.kind == outbox.DECISION_MADE,
                    )
                ).all()
            )
        return next((p for p in payloads if p.get("replaces") == dedupe_key), None)

    def pending(self) -> int:
        return outbox.pending_count(self.db)

    def health(self, now: datetime | None = None) -> dict[str, Any]:
        return outbox.health(self.db, now=now)


def outbox_health(db: Database) -> dict[str, Any]:
    """The outbox's part of `/healthz`: {"pending", "failed", "oldest_due_seconds"}."""
    return outbox.health(db)

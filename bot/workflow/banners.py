"""What an approver's review request says about time: "overdue" once its stage is escalated,
"paused" while the brand is paused (SPEC "Workflow over time"). The request already delivered is
updated in place (a `review_update` outbox row naming it in `replaces`); one sent while the
brand is paused carries the banner from the start.

A banner is plain data: `{"kind": "overdue", "deadline"}` or `{"kind": "paused", "by",
"reason", "at"}`; adapters render it (bot/slack/render_timers.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.workflow import outbox
from bot.workflow.unit import UnitOfWork
from models import BrandPause, Draft, OutboxMessage, ReviewStage

REVIEW_UPDATE = "review_update"


def overdue_banner(deadline: str) -> dict[str, Any]:
    return {"kind": "overdue", "deadline": deadline}


def pause_banner(pause: BrandPause) -> dict[str, Any]:
    return {
        "kind": "paused",
        "by": pause.paused_by,
        "reason": pause.reason,
        "at": pause.paused_at.isoformat(),
    }


def _latest_request(uow: UnitOfWork, draft: Draft, stage: ReviewStage, user: str) -> Any:
    """The last review request `user` got for `stage` (queued in this unit, or stored)."""
    prefix = f"{outbox.REVIEW_REQUEST}:s{stage.id}:"
    for m in reversed(uow.messages_of(draft.id)):
        if m["recipient"] == user and m["dedupe_key"].startswith(prefix):
            return m["dedupe_key"], m["payload"]
    row = uow.session.execute(
        select(OutboxMessage.dedupe_key, OutboxMessage.payload)
        .where(
            OutboxMessage.draft_id == draft.id,
            OutboxMessage.recipient == user,
            OutboxMessage.dedupe_key.startswith(prefix, autoescape=True),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def update_requests(
    uow: UnitOfWork,
    draft: Draft,
    stage: ReviewStage,
    users: list[str],
    banner: dict[str, Any] | None,
) -> None:
    """Queue an update of each user's review request for `stage`: the same request, with
    `banner` (None: without one, as when a pause ends)."""
    for user in users:
        found = _latest_request(uow, draft, stage, user)
        if found is None:
            continue
        key, original = found
        payload = {**dict(original), "banner": banner, "replaces": key}
        what = banner["kind"] if banner else "plain"
        uow.notify(REVIEW_UPDATE, user, draft, payload, f"{key}:{what}:{uow.now.isoformat()}")


def request_banner(uow: UnitOfWork, draft: Draft) -> dict[str, Any] | None:
    """The banner a review request sent now starts with (the brand's pause, if any)."""
    pause = uow.session.get(BrandPause, draft.brand_id)
    return pause_banner(pause) if pause is not None else None

"""What an approver's review request says about time: "overdue" once its stage is escalated,
"paused" while the brand is paused (SPEC "Workflow over time"). The request already delivered is
updated in place (a `review_update` outbox row naming it in `replaces`); one sent while the
brand is paused carries the banner from the start.

A banner is plain data: `{"kind": "overdue", "deadline"}` or `{"kind": "paused", "by",
"reason", "at"}`; adapters render it (bot/slack/render_timers.py).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.workflow import outbox
from bot.workflow.id_lists import among
from bot.workflow.review_requests import request_prefix
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


#: (stage id, user) -> (dedupe key, payload) of the last review request stored for that seat
Requests = dict[tuple[int, str], tuple[str, Any]]


def stored_requests(session: Session, draft_ids: Collection[int]) -> Requests:
    """The last stored review request of every seat of these drafts, in one query (a timers
    run or a pause updates a thousand drafts' requests: not one query per approver)."""
    found: Requests = {}
    if not draft_ids:
        return found
    rows = session.execute(
        select(OutboxMessage.recipient, OutboxMessage.dedupe_key, OutboxMessage.payload)
        .where(
            among(OutboxMessage.draft_id, sorted(draft_ids)),
            OutboxMessage.kind == outbox.REVIEW_REQUEST,
        )
        .order_by(OutboxMessage.id)
    )
    for row in rows:
        user, key, payload = str(row[0]), str(row[1]), row[2]
        stage = key.split(":", 2)[1]  # review_request:s<stage id>:r<revision>:<user>
        if stage.startswith("s") and stage[1:].isdigit():
            found[(int(stage[1:]), user)] = (key, payload)  # later rows win: the latest
    return found


def _latest_request(
    uow: UnitOfWork, draft: Draft, stage: ReviewStage, user: str, known: Requests | None
) -> Any:
    """The last review request `user` got for `stage` (queued in this unit, or stored)."""
    prefix = request_prefix(stage.id)
    for m in reversed(uow.messages_of(draft.id)):
        if m["recipient"] == user and m["dedupe_key"].startswith(prefix):
            return m["dedupe_key"], m["payload"]
    if known is not None:
        return known.get((stage.id, user))
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
    *,
    known: Requests | None = None,
) -> None:
    """Queue an update of each user's review request for `stage`: the same request, with
    `banner` (None: without one, as when a pause ends). `known`: the stored requests of the
    draft, prefetched (stored_requests), so that no query is made here."""
    for user in users:
        found = _latest_request(uow, draft, stage, user, known)
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

"""The review request an approver gets for a stage, built from facts already loaded.

Both the one-draft path (bot/workflow/reviews.py, which queries what it needs) and a timers run
(bot/workflow/clockwork.py, which loads a thousand drafts' facts in a few queries) build the
message here, so an approver who joins at escalation gets exactly what one routed there gets.
"""

from __future__ import annotations

from typing import Any

from bot.workflow import outbox
from bot.workflow.payloads import base_payload, diff_payload
from models import Draft, ReviewStage, Revision, StageApprover


def request_key(stage: ReviewStage, rev: Revision, user: str) -> str:
    """The dedupe key (without the kind) of `user`'s request for `stage` at revision `rev`."""
    return f"s{stage.id}:r{rev.number}:{user}"


def request_prefix(stage_id: int) -> str:
    """How every review request of a stage's dedupe key begins (kind included)."""
    return f"{outbox.REVIEW_REQUEST}:s{stage_id}:"


def request_payload(
    draft: Draft,
    rev: Revision,
    brand_name: str,
    stage: ReviewStage,
    seat: StageApprover,
    *,
    previous: Revision | None,
    earlier: list[dict[str, object]],
    max_chars: int | None,
    banner: dict[str, Any] | None,
) -> dict[str, Any]:
    payload = base_payload(draft, rev, brand_name, max_chars=max_chars)
    payload.update(
        stage=stage.number,
        group=stage.group_name,
        mode=stage.mode,
        approvers=[a.user_id for a in stage.approvers if a.active],
        override_reason=draft.override_reason,
        diff=diff_payload(previous, rev),
        earlier=earlier,
        delegated_from=seat.delegated_from,
        banner=banner,
    )
    return payload

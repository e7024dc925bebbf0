"""From an outbox row to the Slack call that delivers it (pure, apart from two lookups).

Payload shapes are the workflow's (see `bot/workflow/payloads.py`): each carries the draft's
content plus kind-specific fields; `draft_from_payload` turns them into the `DraftInfo` the Block
Kit builders take.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.slack import messages, render_timers
from bot.slack.backend import DraftInfo
from bot.slack.escape import escape_mrkdwn, user


class Lookups(Protocol):
    def result_of(self, dedupe_key: str) -> Mapping[str, Any] | None:
        """`result` of the delivered message with this dedupe key (None if not delivered)."""
        ...

    def settlement_of(self, draft_id: Any, dedupe_key: str) -> Mapping[str, Any] | None:
        """Payload of the decision_made that settles review request `dedupe_key`, if any."""
        ...


@dataclass(frozen=True)
class Delivery:
    message: dict[str, Any]
    channel: str | None = None
    thread_ts: str | None = None
    #: edit this message (channel + ts) instead of posting; post if it cannot be edited
    update_ts: str | None = None
    #: edit all of these and post nothing (approvers' messages after a decision)
    update_targets: list[tuple[str, str]] | None = None
    #: where to post when `channel` refuses us (the submitter's DM)
    fallback_channel: str | None = None


def _note(p: Mapping[str, Any]) -> str | None:
    """Plain text (escaped by the builders): why nobody, or nobody yet, was asked."""
    if p.get("auto_approved_by"):
        return f"Approved by the brand's policy ({p['auto_approved_by']}): no review needed."
    if p.get("problem"):
        return str(p["problem"])
    return None


def draft_from_payload(p: Mapping[str, Any]) -> DraftInfo:
    findings = tuple(p.get("findings") or ())
    diff = p.get("diff") or {}
    return DraftInfo(
        id=str(p.get("draft")),
        revision=int(p.get("revision") or 1),
        state=str(p.get("state") or ""),
        brand_id=str(p.get("brand") or ""),
        brand_name=str(p.get("brand_name") or ""),
        platform=str(p.get("platform") or ""),
        kind=str(p.get("kind") or "post"),
        sponsored=bool(p.get("sponsored")),
        text=str(p.get("text") or ""),
        submitter=str(p.get("submitter") or ""),
        context=p.get("context"),
        notes=p.get("notes"),
        verdict=str(p.get("verdict") or "pass"),
        findings=findings,
        overridable=all(f.get("overridable", True) for f in findings if f.get("level") == "error"),
        changes=tuple(diff.get("words") or ()),
        changes_from=diff.get("from_revision"),
        override_reason=p.get("override_reason"),
        route=tuple(p.get("route") or ()),
        pending_approvers=tuple(p.get("approvers") or ()),
        origin=p.get("origin") or {},
        note=_note(p),
        values=p.get("values") or {},
        max_chars=p.get("max_chars"),
    )


def _earlier(p: Mapping[str, Any]) -> str | None:
    lines = []
    for d in p.get("earlier") or []:
        label = messages.ACTION_PAST.get(
            str(d.get("decision")), escape_mrkdwn(str(d.get("decision")))
        )
        lines.append(
            f"Stage {d.get('stage')} ({escape_mrkdwn(str(d.get('group')))}): "
            f"{label} by {user(str(d.get('actor')))}"
        )
    return "\n".join(lines) or None


def _decided_message(p: Mapping[str, Any]) -> dict[str, Any]:
    draft = draft_from_payload(p)
    return messages.decided(
        draft,
        by=str(p.get("decided_by") or ""),
        action=str(p.get("decision")),
        comment=p.get("reason"),
    )


def _review_request(p: Mapping[str, Any]) -> dict[str, Any]:
    stage = {"stage": p.get("stage"), "group": p.get("group"), "mode": p.get("mode")}
    return messages.review_request(
        draft_from_payload(p),
        stage=stage,
        earlier=_earlier(p),
        banner=render_timers.banner(p.get("banner")),
        publish_at=p.get("publish_at"),
    )


def delivery(item: Any, lookups: Lookups) -> Delivery:
    p: Mapping[str, Any] = item.payload
    kind = item.kind
    origin = p.get("origin") or {}
    if kind == "review_request":
        settled = lookups.settlement_of(item.draft_id, item.dedupe_key)
        if settled is not None:
            # Decided (or superseded) before we could deliver: show that instead of buttons.
            return Delivery(_decided_message(settled), channel=item.recipient)
        return Delivery(_review_request(p), channel=item.recipient)
    if kind == render_timers.REVIEW_UPDATE:
        # The approver's request, updated in place to say it is overdue or paused (or no
        # longer paused); nothing to do once it was settled or never delivered.
        replaces = str(p.get("replaces") or "")
        target = lookups.result_of(replaces)
        if lookups.settlement_of(item.draft_id, replaces) is not None or not target:
            return Delivery(_review_request(p), update_targets=[])
        targets = [(str(target["channel"]), str(target["ts"]))] if target.get("ts") else []
        return Delivery(_review_request(p), update_targets=targets)
    if kind == "decision_made":
        target = lookups.result_of(str(p.get("replaces") or ""))
        targets = (
            [(str(target["channel"]), str(target["ts"]))] if target and target.get("ts") else []
        )
        return Delivery(_decided_message(p), update_targets=targets)
    if kind == "findings":
        draft = draft_from_payload(p)
        receipt_ts = origin.get("receipt_ts") if draft.revision == 1 else None
        # Mentions only in the app's DM with the submitter, never in a shared channel thread.
        in_dm = str(origin.get("channel") or "D").startswith("D")
        return Delivery(
            messages.receipt(draft, mentions=in_dm),
            channel=origin.get("channel") or item.recipient,
            thread_ts=origin.get("thread_ts"),
            update_ts=receipt_ts,
            fallback_channel=item.recipient,
        )
    if kind == "outcome":
        draft = draft_from_payload(p)
        by = p.get("decided_by")
        action = str(p.get("outcome") or "")
        if action == "approved" and p.get("author") and p.get("author") != draft.submitter:
            action = "edit"  # the approved revision was written by the approver
        message = messages.outcome(
            draft, by=by, action=action, comment=p.get("reason"), policy=p.get("by_policy")
        )
        return Delivery(
            message,
            channel=origin.get("channel") or item.recipient,
            thread_ts=origin.get("thread_ts"),
            fallback_channel=item.recipient,
        )
    if kind in render_timers.KINDS:
        return Delivery(render_timers.message(kind, p), channel=item.recipient)
    # A kind this version does not know: show its text if any rather than drop it silently.
    text = escape_mrkdwn(str(p.get("text") or f"brandgate: {kind} for draft {item.draft_id}"))
    return Delivery(messages.notice(text), channel=item.recipient)

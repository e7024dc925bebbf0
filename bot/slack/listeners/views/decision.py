"""The approvers' forms: reject (reason), request changes (comment), edit & approve (text)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import ids
from bot.slack.backend import Action, BackendError, DraftInfo
from bot.slack.listeners.acks import ack_with_errors
from bot.slack.payloads import text_value, user_id, view_key, view_target
from bot.slack.refusals import refusal_message, refusal_text
from bot.slack.replies import post
from bot.slack.services import Services, services_of

DECISION_VIEWS: dict[str, tuple[Action, str]] = {
    ids.VIEW_REJECT: ("reject", ids.BLOCK_REASON),
    ids.VIEW_CHANGES: ("changes", ids.BLOCK_COMMENT),
    ids.VIEW_EDIT: ("edit", ids.BLOCK_TEXT),
}


def edit_errors(svc: Services, actor: str, draft: DraftInfo, text: str) -> dict[str, str]:
    """An edit is re-checked before it is approved: show its blocking errors in the modal
    (the check takes milliseconds) instead of failing after the modal closed."""
    try:
        summary = svc.backend.check(
            user=actor,
            brand_id=draft.brand_id,
            platform=draft.platform,
            text=text,
            kind=draft.kind,
            sponsored=draft.sponsored,
            context=draft.context,
        )
    except BackendError as err:
        return {ids.BLOCK_TEXT: str(err)}
    errors = [f for f in summary.findings if f.get("level") == "error"]
    if not errors:
        return {}
    listed = "; ".join(str(f.get("message") or f.get("rule")) for f in errors)
    return {ids.BLOCK_TEXT: ("The edit still has errors: " + listed)[:1900]}


def decision_errors(svc: Services, body: dict[str, Any], view: dict[str, Any]) -> dict[str, str]:
    _action, block = DECISION_VIEWS[view["callback_id"]]
    target = view_target(view)
    if target is None:
        return {block: "This form is out of date."}
    if not text_value(view, block):
        return {block: "This cannot be empty."}
    try:
        draft = svc.backend.can_decide(target[0], target[1], actor=user_id(body))
    except BackendError as err:
        return {block: refusal_text(err)}
    if view["callback_id"] == ids.VIEW_EDIT:
        return edit_errors(svc, user_id(body), draft, text_value(view, block))
    return {}


def ack_decision(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    ack_with_errors(ack, decision_errors(services_of(context), body, view))


def run_decision(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    svc = services_of(context)
    target = view_target(view)
    if target is None or decision_errors(svc, body, view):
        return
    action, block = DECISION_VIEWS[view["callback_id"]]
    actor, text = user_id(body), text_value(view, block)
    comment = (text_value(view, ids.BLOCK_COMMENT) or None) if action == "edit" else text
    try:
        svc.backend.decide(
            target[0],
            target[1],
            actor=actor,
            action=action,
            comment=comment,
            edited_text=text if action == "edit" else None,
            key=view_key(view),
        )
    except BackendError as err:
        post(client, channel=actor, **refusal_message(err))
    finally:
        svc.notify()

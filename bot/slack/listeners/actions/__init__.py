"""Buttons: the approvers' four decisions and the submitter's Revise / Submit anyway / Withdraw.

Every click is checked against the workflow with the clicking user's id before anything
happens; anyone else gets a private refusal and nothing changes. Buttons that need text open a
modal (within the trigger_id's 3 seconds); Approve decides at once.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import ids, messages, views
from bot.slack.backend import BackendError
from bot.slack.listeners import services, tell_privately, user_id
from bot.slack.listeners.views import refusal_message

logger = logging.getLogger("brandgate.slack.actions")


def _target(action: dict[str, Any]) -> tuple[str, int] | None:
    try:
        return ids.parse_button_value(str(action.get("value") or ""))
    except ValueError:
        return None


def approve_key(body: dict[str, Any], action: dict[str, Any]) -> str:
    """Idempotency key of an Approve click: the button (draft and revision) on one message.

    A double click sends two requests with different action_ts/trigger_id, and a retried
    delivery repeats one of them; all name the same message and button, so the workflow
    records one decision and replays the rest. The message ts keeps apart the requests the
    same person gets for two stages of one revision.
    """
    container = body.get("container") or {}
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts") or ""
    return f"approve:{action.get('value')}:{message_ts}"


def register(app: App) -> None:
    svc = services(app)

    def ack_only(ack: Ack) -> None:
        ack()

    def approve(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        target = _target(action)
        if target is None:
            return
        actor = user_id(body)
        try:
            svc.backend.decide(
                target[0],
                target[1],
                actor=actor,
                action="approve",
                key=approve_key(body, action),
            )
        except BackendError as err:
            tell_privately(client, body, refusal_message(err))
        finally:
            svc.notify()

    def open_decision_modal(
        body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        target = _target(action)
        if target is None:
            return
        try:
            draft = svc.backend.can_decide(target[0], target[1], actor=user_id(body))
        except BackendError as err:
            tell_privately(client, body, refusal_message(err))
            return
        kind = action["action_id"]
        if kind == ids.ACTION_REJECT:
            view = views.reason_modal(
                ids.VIEW_REJECT,
                draft,
                title="Reject draft",
                label="Reason (the submitter sees it)",
                submit="Reject",
            )
        elif kind == ids.ACTION_CHANGES:
            view = views.reason_modal(
                ids.VIEW_CHANGES,
                draft,
                title="Request changes",
                label="What should change?",
                submit="Send",
            )
        else:
            view = views.edit_modal(draft)
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def open_submitter_modal(
        body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        target = _target(action)
        if target is None:
            return
        try:
            draft = svc.backend.get(target[0])
        except BackendError as err:
            tell_privately(client, body, messages.refusal(str(err)))
            return
        if draft.submitter != user_id(body):
            tell_privately(client, body, messages.refusal("Only the submitter can do this."))
            return
        if draft.revision != target[1] or draft.state not in ("blocked", "changes_requested"):
            tell_privately(
                client,
                body,
                messages.refusal(f"This draft is {draft.state.replace('_', ' ')} now."),
            )
            return
        if action["action_id"] == ids.ACTION_REVISE:
            view = views.revise_modal(draft)
        elif not draft.overridable:
            tell_privately(client, body, messages.refusal("These errors cannot be overridden."))
            return
        else:
            view = views.reason_modal(
                ids.VIEW_OVERRIDE,
                draft,
                title="Submit anyway",
                label="Why is this fine?",
                submit="Submit anyway",
            )
        client.views_open(trigger_id=body["trigger_id"], view=view)

    def withdraw(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        target = _target(action)
        if target is None:
            return
        try:
            # The workflow checks that only the submitter withdraws, and in which states.
            draft = svc.backend.withdraw(target[0], actor=user_id(body))
        except BackendError as err:
            tell_privately(client, body, refusal_message(err))
            return
        finally:
            svc.notify()  # approvers' review requests are updated through the outbox
        tell_privately(client, body, messages.withdrawn(draft))

    app.action(ids.ACTION_APPROVE)(ack=ack_only, lazy=[approve])
    app.action(ids.ACTION_WITHDRAW)(ack=ack_only, lazy=[withdraw])
    for action_id in (ids.ACTION_REJECT, ids.ACTION_CHANGES, ids.ACTION_EDIT):
        app.action(action_id)(ack=ack_only, lazy=[open_decision_modal])
    for action_id in (ids.ACTION_REVISE, ids.ACTION_OVERRIDE):
        app.action(action_id)(ack=ack_only, lazy=[open_submitter_modal])

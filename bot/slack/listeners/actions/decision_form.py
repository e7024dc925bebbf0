"""Reject / Request changes / Edit & approve: open the form, once the workflow says the clicking
user may decide this revision (so nobody types a reason they cannot submit).

The form opens before the ack, in the request's own thread: a trigger id lives 3 seconds, and a
lazy listener queues behind every slow submission on the lazy workers (issue 11, defect 7: a
Reject click reached views.open 4.13 s late). Nothing before views.open waits on a rate limit
(the listener client never sleeps on a 429, see app.build_client)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import ids, modals
from bot.slack.backend import BackendError, DraftInfo
from bot.slack.payloads import button_target, user_id
from bot.slack.refusals import refusal_message
from bot.slack.replies import tell_privately
from bot.slack.services import services_of


def open_decision_form(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    target = button_target(action)
    if target is None:
        ack()
        return
    try:
        draft = services_of(context).backend.can_decide(target[0], target[1], actor=user_id(body))
    except BackendError as err:
        ack()
        tell_privately(client, body, refusal_message(err))
        return
    try:
        client.views_open(trigger_id=body["trigger_id"], view=_form(action["action_id"], draft))
    finally:
        ack()


def _form(action_id: str, draft: DraftInfo) -> dict[str, Any]:
    if action_id == ids.ACTION_REJECT:
        return modals.reason_modal(
            ids.VIEW_REJECT,
            draft,
            title="Reject draft",
            label="Reason (the submitter sees it)",
            submit="Reject",
        )
    if action_id == ids.ACTION_CHANGES:
        return modals.reason_modal(
            ids.VIEW_CHANGES,
            draft,
            title="Request changes",
            label="What should change?",
            submit="Send",
        )
    return modals.edit_modal(draft)

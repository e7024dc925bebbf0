"""Revise / Submit anyway: open the form when the workflow says the clicking user may still do
that to this revision (`can_revise` / `can_override`); otherwise a private refusal. Opened
before the ack, like the approvers' forms (decision_form.py: the trigger's 3 seconds)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import ids, modals
from bot.slack.backend import BackendError
from bot.slack.payloads import button_target, user_id
from bot.slack.refusals import refusal_message
from bot.slack.replies import tell_privately
from bot.slack.services import services_of


def open_submitter_form(
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
    backend = services_of(context).backend
    revise = action["action_id"] == ids.ACTION_REVISE
    ask = backend.can_revise if revise else backend.can_override
    try:
        draft = ask(target[0], target[1], actor=user_id(body))
    except BackendError as err:
        ack()
        tell_privately(client, body, refusal_message(err))
        return
    if revise:
        view = modals.revise_modal(draft)
    else:
        view = modals.reason_modal(
            ids.VIEW_OVERRIDE,
            draft,
            title="Submit anyway",
            label="Why is this fine?",
            submit="Submit anyway",
        )
    try:
        client.views_open(trigger_id=body["trigger_id"], view=view)
    finally:
        ack()

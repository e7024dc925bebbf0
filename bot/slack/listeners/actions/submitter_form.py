"""Revise / Submit anyway: open the form when the workflow's state machine still offers that
action to the clicking user for this revision; otherwise a private refusal."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack import ids, messages, views
from bot.slack.backend import BackendError
from bot.slack.payloads import button_target, user_id
from bot.slack.refusals import refusal_message
from bot.slack.replies import tell_privately
from bot.slack.services import services_of
from bot.slack.submitter_checks import submitter_refusal
from bot.workflow.states import Action


def open_submitter_form(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    target = button_target(action)
    if target is None:
        return
    try:
        draft = services_of(context).backend.get(target[0])
    except BackendError as err:
        tell_privately(client, body, refusal_message(err))
        return
    revise = action["action_id"] == ids.ACTION_REVISE
    wanted = Action.REVISE if revise else Action.OVERRIDE
    refused = submitter_refusal(draft, user_id(body), wanted, revision=target[1])
    if refused is None and not revise and not draft.overridable:
        refused = "These errors cannot be overridden."
    if refused is not None:
        tell_privately(client, body, messages.refusal(refused))
        return
    if revise:
        view = views.revise_modal(draft)
    else:
        view = views.reason_modal(
            ids.VIEW_OVERRIDE,
            draft,
            title="Submit anyway",
            label="Why is this fine?",
            submit="Submit anyway",
        )
    client.views_open(trigger_id=body["trigger_id"], view=view)

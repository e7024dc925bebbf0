"""The submitter's forms: revise (new text) and submit anyway (a reason)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import ids
from bot.slack.backend import BackendError
from bot.slack.listeners.acks import ack_with_errors
from bot.slack.listeners.views.submit import publish_at_of
from bot.slack.payloads import (
    metadata,
    state_value,
    text_value,
    user_id,
    view_key,
    view_target,
)
from bot.slack.refusals import refusal_message, refusal_text
from bot.slack.replies import post
from bot.slack.services import Services, services_of


def submitter_errors(svc: Services, body: dict[str, Any], view: dict[str, Any]) -> dict[str, str]:
    revise = view["callback_id"] == ids.VIEW_REVISE
    block = ids.BLOCK_TEXT if revise else ids.BLOCK_REASON
    target = view_target(view)
    if target is None:
        return {block: "This form is out of date."}
    if not text_value(view, block):
        return {block: "This cannot be empty."}
    if revise and (planned := _planned_errors(view)):
        return planned
    ask = svc.backend.can_revise if revise else svc.backend.can_override
    try:
        ask(target[0], target[1], actor=user_id(body))
    except BackendError as err:
        return {block: refusal_text(err)}
    return {}


def _planned_errors(view: dict[str, Any]) -> dict[str, str]:
    """The /draft form's checks (and parser) for the planned publication; a value left as
    it was prefilled is not refused for having passed meanwhile."""
    planned = state_value(view, ids.BLOCK_PUBLISH_AT)
    if planned is None:
        return {}
    when = publish_at_of(view)
    if when is None:
        return {ids.BLOCK_PUBLISH_AT: "Choose a date and a time."}
    if _kept_as_it_was(view, when):
        return {}
    if when.timestamp() <= time.time():
        return {ids.BLOCK_PUBLISH_AT: "Choose a time in the future: this one has passed."}
    return {}


def _kept_as_it_was(view: dict[str, Any], when: datetime) -> bool:
    return metadata(view).get("publish_at") == int(when.timestamp())


def _new_publish_at(view: dict[str, Any]) -> datetime | None:
    """What to pass to revise: None keeps the draft's planned publication unchanged."""
    when = publish_at_of(view)
    return None if when is None or _kept_as_it_was(view, when) else when


def ack_submitter(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    ack_with_errors(ack, submitter_errors(services_of(context), body, view))


def run_submitter(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    svc = services_of(context)
    target = view_target(view)
    if target is None or submitter_errors(svc, body, view):
        return
    # The key is stored with the revision: a retried delivery, even after a restart,
    # replays instead of revising twice.
    actor, key = user_id(body), view_key(view)
    try:
        if view["callback_id"] == ids.VIEW_REVISE:
            text = text_value(view, ids.BLOCK_TEXT)
            svc.backend.revise(
                target[0], actor=actor, text=text, key=key, publish_at=_new_publish_at(view)
            )
        else:
            reason = text_value(view, ids.BLOCK_REASON)
            svc.backend.override(target[0], actor=actor, reason=reason, key=key)
    except BackendError as err:
        post(client, channel=actor, **refusal_message(err))
    finally:
        # The workflow queued the new findings / review requests: deliver them now.
        svc.notify()

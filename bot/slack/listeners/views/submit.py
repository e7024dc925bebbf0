"""The draft form (from `/draft` or the message shortcut)."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import ids, submission
from bot.slack.backend import SubmitRequest
from bot.slack.inbox import KIND_SUBMIT_VIEW, working
from bot.slack.listeners.acks import ack_with_errors
from bot.slack.oauth_scope import acting_team
from bot.slack.payloads import metadata, state_value, text_value, user_id, view_key
from bot.slack.services import Services, services_of

logger = logging.getLogger("brandgate.slack.submit")


def submission_errors(svc: Services, user: str, view: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    brand = state_value(view, ids.BLOCK_BRAND)
    allowed = {b.id for b in svc.backend.brands_for(user)}
    if not brand:
        errors[ids.BLOCK_BRAND] = "Choose a brand."
    elif brand not in allowed:
        errors[ids.BLOCK_BRAND] = "You are not a submitter for this brand."
    if not state_value(view, ids.BLOCK_PLATFORM):
        errors[ids.BLOCK_PLATFORM] = "Choose a platform."
    if not text_value(view, ids.BLOCK_TEXT):
        errors[ids.BLOCK_TEXT] = "Write the draft."
    if state_value(view, ids.BLOCK_KIND) == "reply" and not text_value(view, ids.BLOCK_CONTEXT):
        errors[ids.BLOCK_CONTEXT] = (
            "Paste the message this reply answers: replies are checked against it."
        )
    planned = state_value(view, ids.BLOCK_PUBLISH_AT)
    if planned is not None and publish_at_of(view) is None:
        errors[ids.BLOCK_PUBLISH_AT] = "Choose a date and a time."
    elif planned is not None and int(planned) <= time.time():
        errors[ids.BLOCK_PUBLISH_AT] = "Choose a time in the future: this one has passed."
    return errors


def publish_at_of(view: dict[str, Any]) -> datetime | None:
    """The form's planned publication (Slack sends seconds since the epoch), None if unset."""
    planned = state_value(view, ids.BLOCK_PUBLISH_AT)
    try:
        return datetime.fromtimestamp(int(planned), UTC) if planned is not None else None
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def ack_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
    """Valid input is stored in the inbox before the form closes (inbox.py): Slack does not
    send a view submission again once it got its answer, whatever happens to this process."""
    svc = services_of(context)
    errors = submission_errors(svc, user_id(body), view)
    if not errors and svc.inbox is not None:
        try:
            svc.inbox.accept(
                view_key(view),
                KIND_SUBMIT_VIEW,
                user=user_id(body),
                team=acting_team(body),
                payload={"user": user_id(body), "view": _kept(view)},
            )
        except Exception as err:  # the lazy listener still runs it, only not durably
            logger.warning("inbox: form not stored before the ack: %s", type(err).__name__)
    ack_with_errors(ack, errors)


def _kept(view: dict[str, Any]) -> dict[str, Any]:
    """What the work reads from the view: its id, what was typed and its metadata."""
    return {k: view.get(k) for k in ("id", "callback_id", "state", "private_metadata")}


def run_submit(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    svc = services_of(context)
    if svc.inbox is not None and svc.inbox.handed_over(view_key(view)):
        return  # stored for the worker process, which does the work (worker_process.py)
    if submission_errors(svc, user_id(body), view):
        return
    with working(svc.inbox, view_key(view)):
        process_submit(svc, client, {"user": user_id(body), "view": view})


def process_submit(svc: Services, client: WebClient, payload: Mapping[str, Any]) -> None:
    """The work of a valid form (from the lazy listener, or an inbox row recovered)."""
    view, user = payload["view"], str(payload["user"])
    if submission_errors(svc, user, view):
        return
    sponsored = state_value(view, ids.BLOCK_SPONSORED) or []
    submission.submit(
        svc,
        client,
        SubmitRequest(
            submitter=user,
            brand_id=str(state_value(view, ids.BLOCK_BRAND)),
            platform=str(state_value(view, ids.BLOCK_PLATFORM)),
            kind=str(state_value(view, ids.BLOCK_KIND) or "post"),
            text=text_value(view, ids.BLOCK_TEXT),
            context=text_value(view, ids.BLOCK_CONTEXT) or None,
            sponsored="sponsored" in sponsored,
            notes=text_value(view, ids.BLOCK_NOTES) or None,
            publish_at=publish_at_of(view),
            origin=metadata(view).get("origin") or {},
            idempotency_key=view_key(view),
        ),
    )

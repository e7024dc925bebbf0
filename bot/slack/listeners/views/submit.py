"""The draft form (from `/draft` or the message shortcut)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import ids, submission
from bot.slack.backend import SubmitRequest
from bot.slack.listeners.acks import ack_with_errors
from bot.slack.payloads import metadata, state_value, text_value, user_id, view_key
from bot.slack.services import Services, services_of


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
    ack_with_errors(ack, submission_errors(services_of(context), user_id(body), view))


def run_submit(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    svc = services_of(context)
    if submission_errors(svc, user_id(body), view):
        return
    sponsored = state_value(view, ids.BLOCK_SPONSORED) or []
    submission.submit(
        svc,
        client,
        SubmitRequest(
            submitter=user_id(body),
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

"""The Away form: the ack shows a missing or past date inline; the lazy part sets the absence
(the workflow's refusals, e.g. a delegate outside the brand, arrive as a private DM) and
refreshes the Home tab."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import ids
from bot.slack.backend import BackendError
from bot.slack.listeners.acks import ack_with_errors
from bot.slack.listeners.events.app_home import republish_home
from bot.slack.payloads import state_value, text_value, user_id
from bot.slack.refusals import refusal_message
from bot.slack.replies import post
from bot.slack.services import services_of


def _date_error(view: dict[str, Any]) -> str | None:
    value = state_value(view, ids.BLOCK_AWAY_UNTIL)
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return "Pick the day you are back."
    if day <= datetime.now(UTC).date():
        return "Pick a day after today."
    return None


def ack_away(ack: Ack, view: dict[str, Any]) -> None:
    problem = _date_error(view)
    ack_with_errors(ack, {ids.BLOCK_AWAY_UNTIL: problem} if problem else {})


def run_away(
    body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    if _date_error(view):
        return  # answered inline by the ack
    user = user_id(body)
    svc = services_of(context)
    delegate = state_value(view, ids.BLOCK_AWAY_DELEGATE)
    try:
        svc.backend.away_set(
            user,
            until=str(state_value(view, ids.BLOCK_AWAY_UNTIL)),
            delegate=str(delegate) if delegate else None,
            reason=text_value(view, ids.BLOCK_AWAY_REASON) or None,
        )
    except BackendError as err:
        post(client, channel=user, **refusal_message(err))
        return
    finally:
        svc.notify()
    republish_home(client, context, user)

"""App Home's Away… (opens the form) and Back now (ends the absence, refreshes the tab)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import home_time
from bot.slack.backend import BackendError
from bot.slack.listeners.events.app_home import republish_home
from bot.slack.payloads import user_id
from bot.slack.refusals import refusal_message
from bot.slack.replies import tell_privately
from bot.slack.services import services_of


def open_away_form(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """Acked at once and opened on the form opener, like every form (form_opening.py)."""
    ack()
    services_of(context).open_form(context, client, body, lambda backend: home_time.away_modal())


def back_now(body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    user = user_id(body)
    try:
        services_of(context).backend.away_clear(user)
    except BackendError as err:
        tell_privately(client, body, refusal_message(err))
    republish_home(client, context, user)

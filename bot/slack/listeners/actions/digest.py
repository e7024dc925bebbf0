"""App Home's "Switch off / Switch on" of the weekly report digest: for the clicking user only,
then the Home tab is published again to show the new state."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import modals
from bot.slack.backend import BackendError
from bot.slack.payloads import user_id
from bot.slack.reporting import ReportDesk, digest_state
from bot.slack.services import services_of

logger = logging.getLogger("brandgate.slack.actions")


def toggle_digest(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    user = user_id(body)
    backend = services_of(context).backend
    try:
        desk = ReportDesk.of(backend)
        if desk.is_approver(user):  # only approvers get a digest; anyone else: nothing to do
            desk.set_digest(user, enabled=action.get("value") == "on")
    except BackendError as err:
        logger.warning("digest switch: %s", err)
        return
    try:
        client.views_publish(
            user_id=user, view=modals.home(backend.home(user), digest=digest_state(backend, user))
        )
    except SlackApiError as err:
        logger.warning("views.publish failed: %s", err.response.get("error"))

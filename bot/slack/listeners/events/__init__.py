"""Events: App Home. Drafts, pending queue and (for auditors) decisions with the audit status."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import views
from bot.slack.listeners import services

logger = logging.getLogger("brandgate.slack.events")


def register(app: App) -> None:
    svc = services(app)

    def ack_only(ack: Ack) -> None:
        ack()

    def publish_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") not in (None, "home"):
            return  # the Messages tab needs nothing from us
        user = str(event.get("user") or "")
        try:
            client.views_publish(user_id=user, view=views.home(svc.backend.home(user)))
        except SlackApiError as err:
            logger.warning("views.publish failed: %s", err.response.get("error"))

    app.event("app_home_opened")(ack=ack_only, lazy=[publish_home])

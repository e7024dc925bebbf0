"""App Home: the user's drafts, their pending queue, and decisions with the audit status for
auditors."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack import modals
from bot.slack.reporting import digest_state
from bot.slack.services import services_of

logger = logging.getLogger("brandgate.slack.events")


def publish_home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab") not in (None, "home"):
        return  # the Messages tab needs nothing from us
    republish_home(client, context, str(event.get("user") or ""))


def republish_home(client: WebClient, context: BoltContext, user: str) -> None:
    """Publish `user`'s Home tab as it is now (opened, or changed by a button on it)."""
    backend = services_of(context).backend
    try:
        client.views_publish(
            user_id=user,
            view=modals.home(backend.home(user), digest=digest_state(backend, user)),
        )
    except SlackApiError as err:
        logger.warning("views.publish failed: %s", err.response.get("error"))

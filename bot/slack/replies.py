"""Answering the user outside the ack: a post that logs instead of raising, a private note."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.slack.payloads import user_id

logger = logging.getLogger("brandgate.slack.replies")


def post(client: WebClient, **kwargs: Any) -> dict[str, Any] | None:
    """chat.postMessage that logs instead of raising: a notice that cannot be shown is not worth
    failing the user's action for (the outbox covers messages that must arrive)."""
    try:
        return client.chat_postMessage(**kwargs).data  # type: ignore[return-value]
    except SlackApiError as err:
        logger.warning("chat.postMessage failed: %s", err.response.get("error"))
        return None


def tell_privately(client: WebClient, body: Mapping[str, Any], message: Mapping[str, Any]) -> None:
    """A message only the acting user sees: ephemeral via response_url when the payload has one,
    else a DM from the app (view submissions have no response_url)."""
    response_url = body.get("response_url")
    if response_url:
        try:
            WebhookClient(response_url).send(
                response_type="ephemeral", replace_original=False, **dict(message)
            )
            return
        except Exception as err:  # network errors: fall back to a DM
            logger.warning("response_url failed: %s", type(err).__name__)
    post(client, channel=user_id(body), **dict(message))

"""Listener packages, and what they share: the services they call and small payload helpers.

Each sub-package exposes `register(app)`. The services are bound to the App object (not passed
through Bolt's per-request context, which Bolt deep-copies for lazy listeners) and looked up once
at registration time.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.backend import Backend

logger = logging.getLogger("brandgate.slack.listeners")


@dataclass
class Services:
    backend: Backend
    notify: Callable[[], None] = lambda: None


_bound: weakref.WeakKeyDictionary[App, Services] = weakref.WeakKeyDictionary()


def bind(app: App, services: Services) -> None:
    _bound[app] = services


def services(app: App) -> Services:
    return _bound[app]


def register_all(app: App, svc: Services) -> None:
    from bot.slack.listeners import actions, commands, events, shortcuts, views

    bind(app, svc)
    for module in (commands, shortcuts, actions, views, events):
        module.register(app)


# -- payload helpers -------------------------------------------------------------------------


def state_value(view: Mapping[str, Any], block_id: str) -> Any:
    """The value of the single element in input block `block_id`: str, list (checkboxes) or None."""
    block = (view.get("state") or {}).get("values", {}).get(block_id) or {}
    for element in block.values():
        kind = element.get("type")
        if kind in ("static_select", "radio_buttons", "external_select"):
            return (element.get("selected_option") or {}).get("value")
        if kind == "checkboxes":
            return [o.get("value") for o in element.get("selected_options") or []]
        return element.get("value")
    return None


def text_value(view: Mapping[str, Any], block_id: str) -> str:
    value = state_value(view, block_id)
    return value.strip() if isinstance(value, str) else ""


def metadata(view: Mapping[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def user_id(body: Mapping[str, Any]) -> str:
    """The acting user, wherever this payload type keeps it."""
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    return str(body.get("user_id") or user or "")


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
        from slack_sdk.webhook import WebhookClient

        try:
            WebhookClient(response_url).send(
                response_type="ephemeral", replace_original=False, **dict(message)
            )
            return
        except Exception as err:  # network errors: fall back to a DM
            logger.warning("response_url failed: %s", type(err).__name__)
    post(client, channel=user_id(body), **dict(message))

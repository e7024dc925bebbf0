"""Approve: decides at once (no form), idempotent per button and message."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack.backend import BackendError
from bot.slack.payloads import approve_key, button_target, user_id
from bot.slack.refusals import refusal_message
from bot.slack.replies import tell_privately
from bot.slack.services import services_of


def approve(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    target = button_target(action)
    if target is None:
        return
    svc = services_of(context)
    try:
        key = approve_key(body, action)
        svc.backend.decide(target[0], target[1], actor=user_id(body), action="approve", key=key)
    except BackendError as err:
        tell_privately(client, body, refusal_message(err))
    finally:
        svc.notify()

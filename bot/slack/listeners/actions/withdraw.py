"""Withdraw: the workflow checks that only the submitter withdraws, and in which states."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.slack import messages
from bot.slack.backend import BackendError
from bot.slack.payloads import button_target, user_id
from bot.slack.refusals import refusal_message
from bot.slack.replies import tell_privately
from bot.slack.services import services_of


def withdraw(
    body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
) -> None:
    target = button_target(action)
    if target is None:
        return
    svc = services_of(context)
    try:
        draft = svc.backend.withdraw(target[0], actor=user_id(body))
    except BackendError as err:
        tell_privately(client, body, refusal_message(err))
        return
    finally:
        svc.notify()  # approvers' review requests are updated through the outbox
    tell_privately(client, body, messages.withdrawn(draft))

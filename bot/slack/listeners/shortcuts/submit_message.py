"""Submit as draft: the submission modal, prefilled with the message as the user sees it."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import messages, modals
from bot.slack.escape import text_people_see
from bot.slack.payloads import user_id
from bot.slack.replies import tell_privately
from bot.slack.services import services_of


def open_prefilled_form(
    ack: Ack,
    body: dict[str, Any],
    shortcut: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    brands = services_of(context).backend.brands_for(user_id(body))
    if not brands:
        ack()
        tell_privately(client, body, messages.refusal("You are not a submitter for any brand."))
        return
    message = shortcut.get("message") or {}
    # Outcomes go to the thread of the message that was submitted.
    origin = {
        "channel": (shortcut.get("channel") or {}).get("id"),
        "thread_ts": message.get("thread_ts") or message.get("ts"),
        "message_ts": message.get("ts"),
        "team": (shortcut.get("team") or {}).get("id"),
    }
    try:
        client.views_open(
            trigger_id=shortcut["trigger_id"],
            view=modals.submit_modal(
                brands, text=text_people_see(message.get("text") or ""), metadata={"origin": origin}
            ),
        )
    finally:
        ack()

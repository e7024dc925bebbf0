"""Submit as draft: the submission modal, prefilled with the message as the user sees it.
Acked at once; the submitter check and views.open run on the form opener (form_opening.py)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext
from slack_sdk import WebClient

from bot.slack import messages, modals
from bot.slack.backend import Backend
from bot.slack.escape import text_people_see
from bot.slack.form_opening import Refused
from bot.slack.payloads import user_id
from bot.slack.services import services_of

NOT_A_SUBMITTER = "You are not a submitter for any brand."


def open_prefilled_form(
    ack: Ack,
    body: dict[str, Any],
    shortcut: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    ack()
    message = shortcut.get("message") or {}
    # Outcomes go to the thread of the message that was submitted.
    origin = {
        "channel": (shortcut.get("channel") or {}).get("id"),
        "thread_ts": message.get("thread_ts") or message.get("ts"),
        "message_ts": message.get("ts"),
        "team": (shortcut.get("team") or {}).get("id"),
    }
    user, text = user_id(body), message.get("text") or ""

    def prepare(backend: Backend) -> dict[str, Any]:
        brands = backend.brands_for(user)
        if not brands:
            raise Refused(messages.refusal(NOT_A_SUBMITTER))
        return modals.submit_modal(brands, text=text_people_see(text), metadata={"origin": origin})

    services_of(context).open_form(context, client, body, prepare)

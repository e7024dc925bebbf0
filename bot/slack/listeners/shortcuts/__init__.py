"""The message shortcut: submit any message as a draft (via the prefilled submission modal)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.slack import ids, messages, views
from bot.slack.escape import text_people_see
from bot.slack.listeners import services, tell_privately, user_id


def register(app: App) -> None:
    svc = services(app)

    def ack_shortcut(ack: Ack) -> None:
        ack()

    def open_form(body: dict[str, Any], shortcut: dict[str, Any], client: WebClient) -> None:
        user = user_id(body)
        brands = svc.backend.brands_for(user)
        if not brands:
            tell_privately(client, body, messages.refusal("You are not a submitter for any brand."))
            return
        message = shortcut.get("message") or {}
        channel = (shortcut.get("channel") or {}).get("id")
        # Outcomes go to the thread of the message that was submitted.
        origin = {
            "channel": channel,
            "thread_ts": message.get("thread_ts") or message.get("ts"),
            "message_ts": message.get("ts"),
            "team": (shortcut.get("team") or {}).get("id"),
        }
        client.views_open(
            trigger_id=shortcut["trigger_id"],
            view=views.submit_modal(
                brands, text=text_people_see(message.get("text") or ""), metadata={"origin": origin}
            ),
        )

    app.shortcut(ids.SHORTCUT_SUBMIT_MESSAGE)(ack=ack_shortcut, lazy=[open_form])

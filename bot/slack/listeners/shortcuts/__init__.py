"""The message shortcut: submit any message as a draft (via the prefilled submission modal)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack import ids
from bot.slack.listeners.acks import ack_only
from bot.slack.listeners.shortcuts.submit_message import open_prefilled_form


def register(app: App) -> None:
    app.shortcut(ids.SHORTCUT_SUBMIT_MESSAGE)(ack=ack_only, lazy=[open_prefilled_form])

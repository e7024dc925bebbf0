"""The message shortcut: submit any message as a draft (via the prefilled submission modal)."""

from __future__ import annotations

from slack_bolt import App

from bot.slack import ids
from bot.slack.listeners.shortcuts.submit_message import open_prefilled_form


def register(app: App) -> None:
    # acked at once, the form opened just after on the form opener (form_opening.py)
    app.shortcut(ids.SHORTCUT_SUBMIT_MESSAGE)(open_prefilled_form)

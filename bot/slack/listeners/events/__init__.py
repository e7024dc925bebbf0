"""Events: App Home; uninstalls and revoked tokens."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners.acks import ack_only
from bot.slack.listeners.events import installs
from bot.slack.listeners.events.app_home import publish_home


def register(app: App) -> None:
    app.event("app_home_opened")(ack=ack_only, lazy=[publish_home])
    installs.register(app)

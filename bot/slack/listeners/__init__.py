"""Wiring only: attach the services, then let each listener package register its handlers.

Laid out like Slack's bolt-python starter template: one package per kind of request
(commands, shortcuts, actions, views, events), handlers as module-level functions in their own
modules, and each package's `register(app)` saying which handler answers which id.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, shortcuts, views
from bot.slack.services import Services, attach


def register_listeners(app: App, services: Services) -> None:
    attach(app, services)
    for package in (commands, shortcuts, actions, views, events):
        package.register(app)

"""Slash commands: `/draft` (modal, or direct `BRAND PLATFORM TEXT`), `/brandcheck TEXT` and
`/brandgate SUBCOMMAND`."""

from __future__ import annotations

from slack_bolt import App

from bot.slack import ids
from bot.slack.listeners.commands.brandcheck import ack_brandcheck, run_brandcheck
from bot.slack.listeners.commands.brandgate import ack_brandgate, run_brandgate
from bot.slack.listeners.commands.draft import ack_draft, run_draft


def register(app: App) -> None:
    app.command(ids.CMD_DRAFT)(ack=ack_draft, lazy=[run_draft])
    app.command(ids.CMD_BRANDCHECK)(ack=ack_brandcheck, lazy=[run_brandcheck])
    app.command(ids.CMD_BRANDGATE)(ack=ack_brandgate, lazy=[run_brandgate])

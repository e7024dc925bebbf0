"""Every `/brandgate` sub-command: add a module beside this one and list its `Subcommand` here."""

from __future__ import annotations

from bot.slack.listeners.commands.brandgate.away import AWAY
from bot.slack.listeners.commands.brandgate.pause import PAUSE
from bot.slack.listeners.commands.brandgate.portal import PORTAL
from bot.slack.listeners.commands.brandgate.registry import Subcommand, by_name
from bot.slack.listeners.commands.brandgate.report import REPORT
from bot.slack.listeners.commands.brandgate.resume import RESUME

ALL: tuple[Subcommand, ...] = (PAUSE, RESUME, AWAY, PORTAL, REPORT)

SUBCOMMANDS: dict[str, Subcommand] = by_name(ALL)

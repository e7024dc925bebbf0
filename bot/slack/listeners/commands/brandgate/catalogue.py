"""Every `/brandgate` sub-command: add a module beside this one and list its `Subcommand` here."""

from __future__ import annotations

from bot.slack.listeners.commands.brandgate.portal import PORTAL
from bot.slack.listeners.commands.brandgate.registry import Subcommand, by_name

ALL: tuple[Subcommand, ...] = (PORTAL,)

SUBCOMMANDS: dict[str, Subcommand] = by_name(ALL)

"""Every `/brandgate` sub-command: add a module beside this one and list its `Subcommand` here."""

from __future__ import annotations

from bot.slack.listeners.commands.brandgate.registry import Subcommand, by_name
from bot.slack.listeners.commands.brandgate.report import REPORT

ALL: tuple[Subcommand, ...] = (REPORT,)

SUBCOMMANDS: dict[str, Subcommand] = by_name(ALL)

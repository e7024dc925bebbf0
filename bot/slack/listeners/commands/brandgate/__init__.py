"""`/brandgate SUBCOMMAND ...`: the rest of the Slack surface (`help`, `pause`, `resume`, `away`,
`report`, `portal`), one module per sub-command.

The ack answers at once: `help`, an empty text or an unknown sub-command are answered in the ack
itself; a known sub-command is acknowledged empty and its work runs lazily, so nothing it waits on
(the database, a rate-limited Web API call) can push the ack past Slack's 3 seconds.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, BoltContext, Respond
from slack_sdk import WebClient

from bot.slack.listeners.commands.brandgate.catalogue import SUBCOMMANDS
from bot.slack.listeners.commands.brandgate.registry import (
    Invocation,
    help_text,
    split_subcommand,
)
from bot.slack.payloads import command_text


def ack_brandgate(ack: Ack, command: dict[str, Any]) -> None:
    name, _ = split_subcommand(command_text(command))
    sub = SUBCOMMANDS.get(name)
    if sub is None:
        prefix = "" if name in ("", "help") else f"Unknown sub-command `{name}`.\n"
        ack(response_type="ephemeral", text=prefix + help_text(SUBCOMMANDS))
        return
    early = sub.ack_text
    if early:
        ack(response_type="ephemeral", text=early)
    else:
        ack()


def run_brandgate(
    command: dict[str, Any], client: WebClient, respond: Respond, context: BoltContext
) -> None:
    name, args = split_subcommand(command_text(command))
    sub = SUBCOMMANDS.get(name)
    if sub is None:
        return  # answered in the ack
    sub.run(Invocation(command=command, args=args, client=client, respond=respond, context=context))

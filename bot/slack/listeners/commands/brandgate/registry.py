"""The sub-commands of `/brandgate`, looked up by name.

Each sub-command lives in its own module of this package, defines a `Subcommand` and is listed
in `catalogue.py`; `help` is built from the same table, so the help text can never name a
sub-command that does not exist or miss one that does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltContext, Respond
from slack_sdk import WebClient


@dataclass(frozen=True)
class Invocation:
    """One `/brandgate NAME ARGS` request, handed to the sub-command's lazy runner."""

    command: dict[str, Any]
    args: str  # the text after the sub-command's name, stripped
    client: WebClient
    respond: Respond
    context: BoltContext

    @property
    def user(self) -> str:
        return str(self.command["user_id"])

    @property
    def team(self) -> str | None:
        team = self.command.get("team_id")
        return str(team) if team else None


@dataclass(frozen=True)
class Subcommand:
    name: str
    usage: str  # e.g. "pause BRAND REASON"
    summary: str  # one line for `help`
    run: Callable[[Invocation], None]
    #: answered in the ack (ephemeral) before `run` starts; empty means a silent ack
    ack_text: str = ""


def by_name(subs: tuple[Subcommand, ...]) -> dict[str, Subcommand]:
    table: dict[str, Subcommand] = {}
    for sub in subs:
        if sub.name in table or sub.name == "help":
            raise ValueError(f"/brandgate {sub.name} is defined twice")
        table[sub.name] = sub
    return table


def split_subcommand(text: str) -> tuple[str, str]:
    name, _, rest = text.strip().partition(" ")
    return name.lower(), rest.strip()


def help_text(subs: dict[str, Subcommand]) -> str:
    lines = ["*`/brandgate` commands*"]
    for sub in sorted(subs.values(), key=lambda s: s.name):
        lines.append(f"• `/brandgate {sub.usage}` — {sub.summary}")
    lines.append("• `/brandgate help` — this list")
    lines.append("Drafts: `/draft` to submit, `/brandcheck TEXT` to check without submitting.")
    return "\n".join(lines)

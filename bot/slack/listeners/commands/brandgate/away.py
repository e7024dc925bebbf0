"""`/brandgate away until DATE [@delegate] [reason]`, `/brandgate away clear`, `/brandgate
away list`: the acting user's absence (SPEC "Workflow over time", Away); the rules (delegate an
approver of the same brands, never a submitter) are the workflow's."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.slack.backend import BackendError
from bot.slack.escape import escape_mrkdwn, user
from bot.slack.listeners.commands.brandgate.pause import answer
from bot.slack.listeners.commands.brandgate.registry import Invocation, Subcommand
from bot.slack.services import services_of

USAGE = (
    "Usage: `/brandgate away until DATE [@delegate] [reason]` (DATE: 2026-12-24, or "
    "2026-12-24T09:00+01:00), `/brandgate away clear`, `/brandgate away list`."
)
# An escaped mention (`<@U123|name>`, the manifest sets should_escape) or a bare user id.
_MENTION = re.compile(r"^(?:<@([UW][A-Z0-9]+)(?:\|[^>]*)?>|([UW][A-Z0-9]{2,}))$")


def parse_away(args: str) -> tuple[str, str | None, str | None] | str:
    """`until DATE [@delegate] [reason]` → (date, delegate, reason), or the usage to show."""
    words = args.split()
    if len(words) < 2 or words[0].lower() != "until":
        return USAGE
    date, rest = words[1], words[2:]
    delegate = None
    if rest:
        found = _MENTION.match(rest[0])
        if found:
            delegate = found.group(1) or found.group(2)
            rest = rest[1:]
        elif rest[0].startswith("@"):
            return (
                f"Cannot tell who `{escape_mrkdwn(rest[0])}` is: pick the person from the "
                "mention list, or give their Slack user id."
            )
    reason = " ".join(rest) or None
    return date, delegate, reason


def _when(value: Any) -> str:
    return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M UTC")


def _moved(moves: list[Mapping[str, Any]]) -> str:
    if not moves:
        return "You had no open reviews to hand on."
    lines = []
    for m in moves:
        to = ", ".join(user(str(u)) for u in m.get("to") or ())
        if m.get("via") == "kept":
            lines.append(f"• draft {m['draft']}: nobody else can take it, it stays with you")
        else:
            lines.append(f"• draft {m['draft']} (stage {m['stage']}) → {to}")
    return "Your open reviews:\n" + "\n".join(lines)


def run(inv: Invocation) -> None:
    svc = services_of(inv.context)
    word = inv.args.split(" ", 1)[0].lower()
    try:
        if word == "clear":
            svc.backend.away_clear(inv.user)
            answer(inv, ":wave: Welcome back: you are routed new reviews again.")
            return
        if word == "list":
            rows = svc.backend.away_list()
            answer(inv, _list(rows))
            return
        parsed = parse_away(inv.args)
        if isinstance(parsed, str):
            answer(inv, parsed)
            return
        date, delegate, reason = parsed
        result = svc.backend.away_set(inv.user, until=date, delegate=delegate, reason=reason)
    except BackendError as err:
        answer(inv, f":no_entry_sign: {escape_mrkdwn(str(err))}")
        return
    svc.notify()  # the new seat holders get their review requests
    by = f", delegate {user(delegate)}" if delegate else ""
    answer(
        inv,
        f":palm_tree: You are away until {_when(result['until'])}{by}. "
        f"{_moved(list(result.get('moved') or ()))}\n`/brandgate away clear` when you are back.",
    )


def _list(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "Nobody is away."
    lines = ["*Away*"]
    for r in rows[:50]:
        delegate = f" · delegate {user(str(r['delegate']))}" if r.get("delegate") else ""
        why = f" · {escape_mrkdwn(str(r['reason']))}" if r.get("reason") else ""
        lines.append(f"• {user(str(r['user']))} until {_when(r['until'])}{delegate}{why}")
    return "\n".join(lines)


AWAY = Subcommand(
    name="away",
    usage="away until DATE [@delegate] [reason] | away clear | away list",
    summary="be away: no new reviews, your open ones pass to the delegate, back on the date",
    run=run,
)

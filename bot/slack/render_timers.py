"""Slack DMs for the workflow's clock: reminders, escalations, expiries, pauses (pure).

Each names the draft, how long it has waited and its deadline, so an approver can act on the
DM alone; the draft itself is in the review request they already have.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.slack import messages
from bot.slack.escape import escape_mrkdwn, user

KINDS = frozenset({"reminder", "escalated", "expired", "paused", "resumed"})
#: an approver's review request updated in place (bot/workflow/banners.py)
REVIEW_UPDATE = "review_update"
_EXCERPT = 200


def _when(value: Any) -> str:
    if not value:
        return "no deadline"
    moment = datetime.fromisoformat(str(value))
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _waited(p: Mapping[str, Any]) -> str:
    try:
        opened = datetime.fromisoformat(str(p["opened_at"]))
        now = datetime.fromisoformat(str(p["now"]))
    except (KeyError, ValueError):
        return ""
    minutes = max(int((now - opened).total_seconds() // 60), 0)
    hours, rest = divmod(minutes, 60)
    waited = f"{hours}h {rest:02d}m" if hours else f"{rest}m"
    return f", waiting {waited}"


def _draft(p: Mapping[str, Any]) -> str:
    text = str(p.get("text") or "")
    excerpt = text if len(text) <= _EXCERPT else text[:_EXCERPT] + "…"
    brand = escape_mrkdwn(str(p.get("brand_name") or p.get("brand") or ""))
    draft, platform = escape_mrkdwn(str(p.get("draft"))), escape_mrkdwn(str(p.get("platform")))
    return f"draft {draft} ({brand}, {platform}){_waited(p)}\n> {escape_mrkdwn(excerpt)}"


def message(kind: str, p: Mapping[str, Any]) -> messages.Message:
    if kind == "reminder":
        due = _when(p.get("deadline"))
        head = f":alarm_clock: Reminder {p.get('reminder')}: your decision is needed by {due}"
    elif kind == "escalated":
        added = ", ".join(user(u) for u in p.get("added") or ())
        who = f" {added} joined the review." if added else " Nobody else was added."
        head = f":rotating_light: Overdue since {_when(p.get('deadline'))}.{who}"
    elif kind == "expired":
        head = (
            ":hourglass: Expired undecided at its planned publication "
            f"{_when(p.get('publish_at'))};"
            " a revision with a new publish time sends it back to review."
        )
    elif kind == "paused":
        head = (
            f":double_vertical_bar: Brand {escape_mrkdwn(str(p.get('brand')))} paused by "
            f"{user(str(p.get('by')))}: {escape_mrkdwn(str(p.get('reason') or ''))}. "
            "Approvals and publications are refused until it resumes."
        )
        return messages.notice(head)
    else:
        head = (
            f":arrow_forward: Brand {escape_mrkdwn(str(p.get('brand')))} resumed by "
            f"{user(str(p.get('by')))}."
        )
        return messages.notice(head)
    return messages.notice(f"{head}\n{_draft(p)}")


def banner(b: Mapping[str, Any] | None) -> str | None:
    """The line heading a review request while it is overdue or its brand is paused."""
    if not b:
        return None
    if b.get("kind") == "overdue":
        return f":rotating_light: *Overdue*: the deadline was {_when(b.get('deadline'))}."
    if b.get("kind") == "paused":
        return (
            f":double_vertical_bar: *Paused* by {user(str(b.get('by')))} since "
            f"{_when(b.get('at'))}: {escape_mrkdwn(str(b.get('reason') or ''))}. "
            "Approving waits until the brand resumes; rejecting and requesting changes work."
        )
    return None

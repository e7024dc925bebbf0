"""Time on the App Home tab (pure Block Kit builders): pause banners, each pending draft's
deadline ("overdue" once past it), the Away button and its form, "Back now" while away."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.slack import ids
from bot.slack.backend import DraftInfo, HomeData
from bot.slack.escape import escape_mrkdwn, fit, user

Block = dict[str, Any]
SECTION_MAX = 3000
PAUSE_BANNERS = 5  # a Home tab has 100 blocks; more paused brands than this is said in one line


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150], "emoji": True}


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text, SECTION_MAX)}}


def pause_blocks(data: HomeData) -> list[Block]:
    blocks = [
        _section(
            f":double_vertical_bar: *{escape_mrkdwn(p.brand_id)} is paused* by {user(p.by)} "
            f"since {_when(p.since)}: {escape_mrkdwn(p.reason)}. Approvals and publications wait "
            "until it resumes; rejections and change requests still work."
        )
        for p in data.paused[:PAUSE_BANNERS]
    ]
    if len(data.paused) > PAUSE_BANNERS:
        blocks.append(_section(f"…and {len(data.paused) - PAUSE_BANNERS} more paused brands."))
    return blocks


def deadline_note(draft: DraftInfo, data: HomeData) -> str:
    """ " · due …" for a pending draft with a deadline, " · overdue …" once it has passed."""
    due = data.deadlines.get(draft.id)
    if due is None:
        return ""
    if data.now is not None and due <= data.now:
        return f" · :rotating_light: *overdue* (due {_when(due)})"
    return f" · due {_when(due)}"


def _button(text: str, action_id: str, style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": _plain(text), "action_id": action_id, "value": "me"}
    if style:
        button["style"] = style
    return button


def away_blocks(data: HomeData) -> list[Block]:
    """While away: until when, the delegate, and "Back now"; else, for approvers, "Away…"."""
    if data.away is not None:
        delegate = (
            f", your reviews pass to {user(data.away.delegate)}" if data.away.delegate else ""
        )
        why = f" ({escape_mrkdwn(data.away.reason)})" if data.away.reason else ""
        return [
            _section(
                f":palm_tree: *You are away* until {_when(data.away.until)}{why}: no new reviews"
                f"{delegate}."
            ),
            {
                "type": "actions",
                "block_id": "away",
                "elements": [_button("Back now", ids.ACTION_AWAY_BACK, "primary")],
            },
        ]
    if not data.approver:
        return []
    return [
        {
            "type": "actions",
            "block_id": "away",
            "elements": [_button("Away…", ids.ACTION_AWAY_OPEN)],
        }
    ]


def away_modal() -> dict[str, Any]:
    """Until (a day), an optional delegate (an approver of the same brands: the workflow checks
    it and the form shows its refusal inline), an optional reason."""
    return {
        "type": "modal",
        "callback_id": ids.VIEW_AWAY,
        "title": _plain("Away"),
        "submit": _plain("Set away"),
        "close": _plain("Cancel"),
        "blocks": [
            {
                "type": "input",
                "block_id": ids.BLOCK_AWAY_UNTIL,
                "label": _plain("Back on"),
                "element": {"type": "datepicker", "action_id": ids.INPUT},
                "hint": _plain("You are back at 00:00 UTC that day."),
            },
            {
                "type": "input",
                "block_id": ids.BLOCK_AWAY_DELEGATE,
                "label": _plain("Delegate"),
                "optional": True,
                "element": {"type": "users_select", "action_id": ids.INPUT},
                "hint": _plain(
                    "An approver of the same brand. Without one, your reviews pass to the rest "
                    "of your group."
                ),
            },
            {
                "type": "input",
                "block_id": ids.BLOCK_AWAY_REASON,
                "label": _plain("Reason"),
                "optional": True,
                "element": {"type": "plain_text_input", "action_id": ids.INPUT, "max_length": 300},
            },
        ],
    }

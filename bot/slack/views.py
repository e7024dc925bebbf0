"""Pure Block Kit builders for modals and the App Home tab."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.guidelines.model import KINDS, PLATFORMS
from bot.slack import ids
from bot.slack.backend import BrandChoice, DraftInfo, HomeData
from bot.slack.escape import escape_mrkdwn, user
from bot.slack.messages import ACTION_PAST, draft_label, findings_text
from bot.slack.richtext import highlighted

View = dict[str, Any]

MAX_TEXT = 3000  # plain_text_input max_length ceiling


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150], "emoji": True}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label[:75]), "value": value}


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": ids.INPUT},
        "optional": optional,
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def _text_input(
    initial: str | None = None, *, multiline: bool = True, max_length: int = MAX_TEXT
) -> dict[str, Any]:
    el: dict[str, Any] = {
        "type": "plain_text_input",
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        el["initial_value"] = initial[:max_length]
    return el


def _modal(
    callback_id: str, title: str, submit: str, blocks: list[dict[str, Any]], meta: Any
) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title[:24]),
        "submit": _plain(submit[:24]),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps(meta, separators=(",", ":"))[:3000],
        "blocks": blocks,
    }


def submit_modal(
    brands: Sequence[BrandChoice],
    *,
    text: str | None = None,
    context: str | None = None,
    kind: str = "post",
    metadata: Mapping[str, Any] | None = None,
) -> View:
    """The /draft (and message shortcut) form. `metadata` (origin of the submission) round-trips."""
    brand_select: dict[str, Any] = {
        "type": "static_select",
        "placeholder": _plain("Choose a brand"),
        "options": [_option(b.id, b.name or b.id) for b in brands][:100],
    }
    if len(brands) == 1:
        brand_select["initial_option"] = _option(brands[0].id, brands[0].name or brands[0].id)
    platforms = sorted({p for b in brands for p in b.platforms}) or list(PLATFORMS)
    platforms += [p for p in PLATFORMS if p not in platforms]
    kind_options = [_option(k, "Post" if k == "post" else "Reply to a message") for k in KINDS]
    blocks = [
        _input(ids.BLOCK_BRAND, "Brand", brand_select),
        _input(
            ids.BLOCK_PLATFORM,
            "Platform",
            {
                "type": "static_select",
                "placeholder": _plain("Where will it be published?"),
                "options": [_option(p, p) for p in platforms],
            },
        ),
        _input(
            ids.BLOCK_KIND,
            "Kind",
            {
                "type": "radio_buttons",
                "options": kind_options,
                "initial_option": kind_options[KINDS.index(kind) if kind in KINDS else 0],
            },
        ),
        _input(ids.BLOCK_TEXT, "Draft text", _text_input(text)),
        _input(
            ids.BLOCK_CONTEXT,
            "The message being answered",
            _text_input(context),
            optional=True,
            hint="For replies: paste the customer's message, so the reply is checked against it.",
        ),
        _input(
            ids.BLOCK_SPONSORED,
            "Sponsored",
            {
                "type": "checkboxes",
                "options": [_option("sponsored", "This is paid / sponsored content")],
            },
            optional=True,
        ),
        _input(
            ids.BLOCK_NOTES, "Notes for the approver", _text_input(max_length=1000), optional=True
        ),
    ]
    return _modal(ids.VIEW_SUBMIT, "Submit a draft", "Submit", blocks, dict(metadata or {}))


def _draft_summary(draft: DraftInfo) -> list[dict[str, Any]]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{draft_label(draft)}*"}},
        highlighted(draft.text, draft.findings),
    ]


def reason_modal(
    callback_id: str, draft: DraftInfo, *, title: str, label: str, submit: str
) -> View:
    """Reject (reason), Request changes (comment) and Submit anyway (override reason)."""
    block_id = ids.BLOCK_COMMENT if callback_id == ids.VIEW_CHANGES else ids.BLOCK_REASON
    blocks = [*_draft_summary(draft), _input(block_id, label, _text_input(max_length=2000))]
    return _modal(
        callback_id, title, submit, blocks, {"draft": draft.id, "revision": draft.revision}
    )


def edit_modal(draft: DraftInfo) -> View:
    """Edit & approve: the approver's edit becomes a new revision, re-checked, then approved."""
    blocks: list[dict[str, Any]] = []
    if draft.findings:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": findings_text(draft.findings)[:3000]},
            }
        )
    blocks += [
        _input(ids.BLOCK_TEXT, "Approved text", _text_input(draft.text)),
        _input(
            ids.BLOCK_COMMENT,
            "Comment for the submitter",
            _text_input(max_length=1000),
            optional=True,
        ),
    ]
    meta = {"draft": draft.id, "revision": draft.revision}
    return _modal(ids.VIEW_EDIT, "Edit & approve", "Approve edit", blocks, meta)


def revise_modal(draft: DraftInfo) -> View:
    blocks: list[dict[str, Any]] = []
    if draft.findings:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": findings_text(draft.findings)[:3000]},
            }
        )
    if draft.comment:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Approver:* " + escape_mrkdwn(draft.comment)},
            }
        )
    blocks.append(_input(ids.BLOCK_TEXT, "Revised text", _text_input(draft.text)))
    meta = {"draft": draft.id, "revision": draft.revision}
    return _modal(ids.VIEW_REVISE, f"Revise #{draft.id}"[:24], "Resubmit", blocks, meta)


def result_modal(title: str, message_blocks: list[dict[str, Any]]) -> View:
    """A read-only modal (used with response_action=update after a submission)."""
    return {
        "type": "modal",
        "title": _plain(title[:24]),
        "close": _plain("Done"),
        "blocks": message_blocks,
    }


def _state(draft: DraftInfo) -> str:
    label = ACTION_PAST.get(draft.state, draft.state.replace("_", " "))
    return escape_mrkdwn(label)


def home(data: HomeData) -> View:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain("brandgate")}]

    def section(title: str, lines: list[str], empty: str) -> None:
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}})
        body = "\n".join(lines) if lines else f"_{empty}_"
        # one section per ~2800 chars so long lists stay valid
        while body:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:2800]}})
            body = body[2800:]

    if data.pending:
        section(
            f"Waiting for your decision ({len(data.pending)})",
            [
                f"• {draft_label(d)} · from {user(d.submitter)} · {d.verdict}"
                for d in data.pending[:40]
            ],
            "Nothing waiting.",
        )
    section(
        "Your drafts",
        [
            f"• {draft_label(d)} · revision {d.revision} · *{_state(d)}*"
            for d in data.my_drafts[:40]
        ],
        "No drafts yet. Type /draft to submit one.",
    )
    if data.decisions is not None:
        lines = [
            f"• #{escape_mrkdwn(x.draft_id)} r{x.revision} · {escape_mrkdwn(x.brand_id)} · "
            f"{ACTION_PAST.get(x.action, escape_mrkdwn(x.action))} by {user(x.actor)}"
            + (f" · {x.at:%Y-%m-%d %H:%M} UTC" if x.at else "")
            for x in data.decisions[:40]
        ]
        section("Latest decisions", lines, "No decisions yet.")
        if data.audit is not None:
            icon = ":white_check_mark:" if data.audit.ok else ":rotating_light:"
            blocks.append(
                {
                    "type": "context",
                    "elements": [
                        {
                            "type": "mrkdwn",
                            "text": f"{icon} Audit log: {escape_mrkdwn(data.audit.message)}",
                        }
                    ],
                }
            )
    return {"type": "home", "blocks": blocks}

"""Pure Block Kit builders for modals and the App Home tab."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.guidelines.model import KINDS, PLATFORMS
from bot.slack import home_time, ids
from bot.slack.backend import BrandChoice, DraftInfo, HomeData
from bot.slack.escape import escape_mrkdwn, escape_plain, fit, user
from bot.slack.messages import ACTION_PAST, draft_label, findings_sections, label_mrkdwn
from bot.slack.richtext import highlighted_blocks

View = dict[str, Any]

MAX_TEXT = 3000  # plain_text_input max_length ceiling: Slack refuses a longer initial_value
SECTION_MAX = 3000
VIEW_BLOCKS = 100
#: a modal or the Home tab has no documented text budget, only 100 blocks of ≤ 3,000
MODAL_DRAFT_BUDGET = 60 * SECTION_MAX
FINDINGS_IN_MODAL = 2 * SECTION_MAX


def _mrkdwn(text: str) -> dict[str, Any]:
    shown = fit(text, SECTION_MAX) if text.strip() else "_(empty)_"
    return {"type": "section", "text": {"type": "mrkdwn", "text": shown}}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150], "emoji": True}


def _option(value: str, label: str) -> dict[str, Any]:
    # option text: 1-75 characters, value <= 150 (a blank brand name shows its id)
    return {"text": _plain((label.strip() or value)[:75]), "value": value[:150]}


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
    if initial and len(initial) <= max_length:
        # never cut: a longer text is not offered in a text box at all (see _too_long)
        el["initial_value"] = initial
    return el


def _too_long(what: str, text: str, how: str) -> dict[str, Any]:
    return _mrkdwn(
        f":warning: {what} has {len(text):,} characters, more than a Slack text box holds "
        f"({MAX_TEXT:,}), so it cannot be edited here without cutting it. {how}"
    )


def _modal(
    callback_id: str, title: str, submit: str, blocks: list[dict[str, Any]], meta: Any
) -> View:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title[:24]),
        "submit": _plain(submit[:24]),
        "close": _plain("Cancel"),
        # small ids only (never cut: a cut JSON would lose all of it)
        "private_metadata": json.dumps(meta, separators=(",", ":")),
        "blocks": blocks,
    }


def publish_at_input(current: datetime | None) -> dict[str, Any]:
    """The planned-publication field of the /draft and Revise forms, prefilled with `current`."""
    picker: dict[str, Any] = {"type": "datetimepicker"}
    if current is not None:
        picker["initial_date_time"] = int(current.timestamp())
    return _input(
        ids.BLOCK_PUBLISH_AT,
        "Planned publication",
        picker,
        optional=True,
        hint="Approvers see it; a review deadline never falls after it, and a draft "
        "still undecided then expires.",
    )


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
    notes: list[dict[str, Any]] = []
    if text and len(text) > MAX_TEXT:
        notes.append(
            _too_long(
                "This message",
                text,
                "Paste a shorter version below, or submit it whole from a terminal: "
                "`brandgate drafts submit --as YOU --brand BRAND --platform PLATFORM - < file`.",
            )
        )
    if context and len(context) > MAX_TEXT:
        notes.append(
            _too_long("The message being answered", context, "Paste the part that matters.")
        )
    blocks = [
        *notes,
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
        publish_at_input(None),
        _input(
            ids.BLOCK_NOTES, "Notes for the approver", _text_input(max_length=1000), optional=True
        ),
    ]
    return _modal(ids.VIEW_SUBMIT, "Submit a draft", "Submit", blocks, dict(metadata or {}))


def _draft_summary(draft: DraftInfo) -> list[dict[str, Any]]:
    """The draft whole (over several blocks when long), findings highlighted."""
    return [
        _mrkdwn(f"*{draft_label(draft)}*"),
        *highlighted_blocks(draft.text, draft.findings, budget=MODAL_DRAFT_BUDGET),
    ]


def _findings(draft: DraftInfo) -> list[dict[str, Any]]:
    where = f": `brandgate drafts show {escape_mrkdwn(draft.id)}`"
    return findings_sections(draft.findings, FINDINGS_IN_MODAL, where=where)


def _read_only(callback_id: str, title: str, blocks: list[dict[str, Any]], meta: Any) -> View:
    view = _modal(callback_id, title, "", blocks, meta)
    del view["submit"]  # nothing to submit: Slack refuses a submit button without inputs
    view["close"] = _plain("Close")
    return view


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
    """Edit & approve: the approver's edit becomes a new revision, re-checked, then approved.

    A draft longer than a text box holds is never offered cut (approving it would approve the
    cut): the modal says why and how to edit it without losing anything."""
    meta = {"draft": draft.id, "revision": draft.revision}
    if len(draft.text) > MAX_TEXT:
        how = (
            "Approve it as it is, request changes, or edit it from a terminal: "
            f"`brandgate drafts decide {escape_mrkdwn(draft.id)} edit --as YOU "
            f"--revision {draft.revision} --text - < edited.txt`."
        )
        shown = [_too_long("This draft", draft.text, how), *_draft_summary(draft)]
        return _read_only(ids.VIEW_EDIT, "Edit & approve", shown[:VIEW_BLOCKS], meta)
    blocks: list[dict[str, Any]] = _findings(draft)
    blocks += [
        _input(ids.BLOCK_TEXT, "Approved text", _text_input(draft.text)),
        _input(
            ids.BLOCK_COMMENT,
            "Comment for the submitter",
            _text_input(max_length=1000),
            optional=True,
        ),
    ]
    return _modal(ids.VIEW_EDIT, "Edit & approve", "Approve edit", blocks, meta)


def revise_modal(draft: DraftInfo) -> View:
    """Revise: the submitter's new text (a draft too long for a text box: how to revise it)."""
    meta = {"draft": draft.id, "revision": draft.revision}
    title = f"Revise #{escape_plain(draft.id)}"[:24]
    blocks: list[dict[str, Any]] = _findings(draft)
    if draft.comment:
        blocks.append(_mrkdwn("*Approver:* " + escape_mrkdwn(draft.comment)))
    if len(draft.text) > MAX_TEXT:
        how = (
            "Revise it from a terminal: "
            f"`brandgate drafts revise {escape_mrkdwn(draft.id)} - --as YOU < revised.txt`."
        )
        blocks = [_too_long("This draft", draft.text, how), *blocks, *_draft_summary(draft)]
        return _read_only(ids.VIEW_REVISE, title, blocks[:VIEW_BLOCKS], meta)
    blocks.append(_input(ids.BLOCK_TEXT, "Revised text", _text_input(draft.text)))
    blocks.append(publish_at_input(draft.publish_at))
    if draft.publish_at is not None:  # to tell a kept value from a changed one on submit
        meta["publish_at"] = int(draft.publish_at.timestamp())
    return _modal(ids.VIEW_REVISE, title, "Resubmit", blocks, meta)


def result_modal(title: str, message_blocks: list[dict[str, Any]]) -> View:
    """A read-only modal (used with response_action=update after a submission)."""
    return {
        "type": "modal",
        "title": _plain(title[:24]),
        "close": _plain("Done"),
        "blocks": message_blocks,
    }


def _state(draft: DraftInfo) -> str:
    return label_mrkdwn(ACTION_PAST.get(draft.state, draft.state.replace("_", " ")))


def _line_sections(lines: list[str]) -> list[dict[str, Any]]:
    """Lines packed into sections of ≤ 3,000 characters, split only between lines (a line is
    never broken: "Approved by <@" | "U01BRAND1>" would show neither)."""
    sections: list[str] = []
    chunk = ""
    for line in lines:
        line = fit(line, SECTION_MAX)
        if chunk and len(chunk) + 1 + len(line) > SECTION_MAX:
            sections.append(chunk)
            chunk = ""
        chunk += ("\n" if chunk else "") + line
    if chunk:
        sections.append(chunk)
    return [_mrkdwn(text) for text in sections]


def home(data: HomeData, digest: bool | None = None) -> View:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain("brandgate")}]
    # time first, so the 100-block cap never cuts it: pauses, then the user's absence
    blocks.extend(home_time.pause_blocks(data))
    blocks.extend(home_time.away_blocks(data))

    def section(title: str, lines: list[str], empty: str) -> None:
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}})
        blocks.extend(_line_sections(lines or [f"_{empty}_"]))

    if data.pending:
        section(
            f"Waiting for your decision ({len(data.pending)})",
            [
                f"• {draft_label(d)} · from {user(d.submitter)} · {d.verdict}"
                + home_time.deadline_note(d, data)
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
            f"{label_mrkdwn(ACTION_PAST.get(x.action, x.action))} by {user(x.actor)}"
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
                            "text": fit(
                                f"{icon} Audit log: {escape_mrkdwn(data.audit.message)}",
                                SECTION_MAX,
                            ),
                        }
                    ],
                }
            )
    # The switch is kept even on a full Home: the lists are cut instead.
    extra = digest_blocks(digest) if digest is not None else []
    return {"type": "home", "blocks": blocks[: VIEW_BLOCKS - len(extra)] + extra}


def digest_blocks(enabled: bool) -> list[dict[str, Any]]:
    """The approver's switch for the weekly report digest (bot/reports/digest.py)."""
    state = "on: every Monday at 09:00 (the brand's time)" if enabled else "off"
    return [
        {"type": "divider"},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"*Weekly report digest* · {state}"},
            "accessory": {
                "type": "button",
                "action_id": ids.ACTION_DIGEST_TOGGLE,
                "text": _plain("Switch off" if enabled else "Switch on"),
                "value": "off" if enabled else "on",
            },
        },
    ]

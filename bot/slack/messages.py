"""Pure Block Kit builders for messages: data in, `{"text": ..., "blocks": [...]}` out.

No builder calls Slack or the database, so each one is testable by looking at the dict. All
user-written text goes through `escape` (mrkdwn) or `richtext` (literal); the top-level `text`
(used for notifications) never contains draft text at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.engine.platforms import DEFAULT_MAX_CHARS, weighted_length
from bot.slack import ids
from bot.slack.backend import CheckSummary, DraftInfo
from bot.slack.escape import escape_mrkdwn, escape_plain, quote, user
from bot.slack.richtext import diff, highlighted

Message = dict[str, Any]

LEVEL_ICON = {"error": ":red_circle:", "warning": ":large_orange_circle:", "suggestion": ":bulb:"}
VERDICT_LABEL = {
    "pass": ":white_check_mark: No findings",
    "review": ":large_orange_circle: Needs a look",
    "block": ":no_entry: Blocked",
}
ACTION_PAST = {
    "approve": "Approved",
    "edit_approve": "Edited & approved",
    "superseded": "Superseded by a newer revision",
    "delegated": "Handed over to another approver",
    "approved": "Approved",
    "edit": "Edited & approved",
    "edited": "Edited & approved",
    "reject": "Rejected",
    "rejected": "Rejected",
    "changes": "Changes requested",
    "changes_requested": "Changes requested",
    "withdrawn": "Withdrawn",
    "published": "Published",
}
ACTION_ICON = {
    "Approved": ":white_check_mark:",
    "Edited & approved": ":pencil2:",
    "Rejected": ":x:",
    "Changes requested": ":leftwards_arrow_with_hook:",
    "Withdrawn": ":wastebasket:",
    "Published": ":mega:",
}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(*parts: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": p[:3000]} for p in parts if p],
    }


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    btn: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        btn["style"] = style
    return btn


def draft_label(draft: DraftInfo) -> str:
    brand = escape_mrkdwn(draft.brand_name or draft.brand_id)
    return f"Draft #{escape_mrkdwn(draft.id)} · {brand} · {draft.platform} {draft.kind}"


# States in which the submitter may still take a draft back (the workflow decides for real).
WITHDRAWABLE = ("submitted", "blocked", "in_review", "changes_requested")
# "draft 12" in a finding (the duplicate rule names the closest earlier draft)
_DRAFT_REF = re.compile(r"\b([Dd]raft) (\d+)\b")


def character_count(draft: DraftInfo) -> str:
    """The length as "n/limit characters", counted the platform's way (X weighs links and wide
    characters); bold over the limit, so an approver notices before approving."""
    count = weighted_length(draft.text, draft.platform)
    limit = draft.max_chars or DEFAULT_MAX_CHARS.get(draft.platform)
    if limit is None:
        return f"{count} characters"
    shown = f"{count}/{limit} characters"
    return f"*{shown}*" if count > limit else shown


def meta_line(draft: DraftInfo) -> str:
    parts = [
        f"by {user(draft.submitter)}",
        f"revision {draft.revision}",
        character_count(draft),
    ]
    if draft.sponsored:
        parts.append("sponsored")
    return " · ".join(parts)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def values_line(values: Mapping[str, Mapping[str, Any]]) -> str | None:
    """A line like "Values — honest: 2 signals · *1 contradiction*". Values the draft never
    touches are left out (None if it touches none); contradictions are bold: they betray a value."""
    parts = []
    for value_id, counts in values.items():
        signals = int(counts.get("signals") or 0)
        contradictions = int(counts.get("contradictions") or 0)
        if not signals and not contradictions:
            continue
        shown = []
        if signals:
            shown.append(_plural(signals, "signal"))
        if contradictions:
            shown.append(f"*{_plural(contradictions, 'contradiction')}*")
        parts.append(f"{escape_mrkdwn(str(value_id))}: {' · '.join(shown)}")
    return "Values — " + "; ".join(parts) if parts else None


def findings_text(findings: Iterable[Mapping[str, Any]]) -> str:
    lines = []
    for f in findings:
        icon = LEVEL_ICON.get(str(f.get("level")), ":grey_question:")
        rule, message = (
            escape_mrkdwn(str(f.get("rule"))),
            escape_mrkdwn(str(f.get("message") or "")),
        )
        # "draft #12" is how every message names a draft, so an approver can find it.
        message = _DRAFT_REF.sub(r"\1 #\2", message)
        line = f"{icon} `{rule}` {message}"
        if f.get("text"):
            line += f" — “{escape_mrkdwn(str(f['text']))}”"
        if f.get("suggestion"):
            line += f" → _{escape_mrkdwn(str(f['suggestion']))}_"
        lines.append(line)
    return "\n".join(lines)


def _findings_blocks(verdict: str, findings: tuple[Mapping[str, Any], ...]) -> list[dict[str, Any]]:
    blocks = [_section(f"*{VERDICT_LABEL.get(verdict, escape_mrkdwn(verdict))}*")]
    if findings:
        # Split long finding lists across sections to respect the 3000-char section limit.
        text, chunk = findings_text(findings), ""
        for line in text.split("\n"):
            if len(chunk) + len(line) > 2800:
                blocks.append(_section(chunk))
                chunk = ""
            chunk += ("\n" if chunk else "") + line
        if chunk:
            blocks.append(_section(chunk))
    return blocks


def _draft_body(draft: DraftInfo, *, with_diff: bool = True) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if draft.context:
        blocks.append(_section("*In reply to:*\n" + quote(draft.context, 1500)))
    blocks.append(highlighted(draft.text, draft.findings))
    blocks.extend(_findings_blocks(draft.verdict, draft.findings))
    if with_diff and draft.changes:
        since = draft.changes_from or draft.revision - 1
        blocks.append(_section(f"*Changes since revision {since}:*"))
        blocks.append(diff(draft.changes))
    if draft.override_reason:
        blocks.append(
            _section("*Submitted despite errors:* " + escape_mrkdwn(draft.override_reason))
        )
    if draft.notes:
        blocks.append(_context("Notes: " + escape_mrkdwn(draft.notes)))
    return blocks


def review_request(
    draft: DraftInfo, *, stage: Mapping[str, Any] | None = None, earlier: str | None = None
) -> Message:
    """The approver's DM: the draft, findings, context, changes, and the four decision buttons."""
    value = ids.button_value(draft.id, draft.revision)
    stage_txt = ""
    if stage:
        stage_txt = f"stage {stage.get('stage', '?')}: {escape_mrkdwn(str(stage.get('group', '')))}"
    values = values_line(draft.values)
    blocks = [
        _section(f":inbox_tray: *{draft_label(draft)}* needs your review"),
        _context(meta_line(draft), stage_txt),
        *([_context(values)] if values else []),
        *([_context(earlier)] if earlier else []),
        *_draft_body(draft),
        {
            "type": "actions",
            "block_id": "decide",
            "elements": [
                _button("Approve", ids.ACTION_APPROVE, value, "primary"),
                _button("Request changes", ids.ACTION_CHANGES, value),
                _button("Reject", ids.ACTION_REJECT, value, "danger"),
                _button("Edit & approve", ids.ACTION_EDIT, value),
            ],
        },
    ]
    text = f"Draft #{escape_plain(draft.id)} ({draft.platform}) needs your review"
    return {"text": escape_mrkdwn(text), "blocks": blocks}


def decided(draft: DraftInfo, *, by: str, action: str, comment: str | None = None) -> Message:
    """What every approver's DM becomes once someone decided: no buttons, who and what."""
    label = ACTION_PAST.get(action, escape_mrkdwn(action))
    line = f"{ACTION_ICON.get(label, '')} *{label}*" + (f" by {user(by)}" if by else "")
    if comment:
        line += "\n" + quote(comment, 1500)
    blocks = [
        _section(f"*{draft_label(draft)}*"),
        _context(meta_line(draft)),
        *_draft_body(draft, with_diff=False),
        _section(line),
    ]
    return {"text": f"Draft #{escape_mrkdwn(draft.id)}: {label}", "blocks": blocks}


def outcome(
    draft: DraftInfo,
    *,
    by: str | None,
    action: str,
    comment: str | None = None,
    policy: str | None = None,
) -> Message:
    """The submitter's thread reply after a decision (by a person, or by the brand's policy)."""
    label = ACTION_PAST.get(action, escape_mrkdwn(action))
    who = user(by) if by else f"the brand's policy ({escape_mrkdwn(policy or 'auto-approve')})"
    line = f"{ACTION_ICON.get(label, '')} *{draft_label(draft)}*: *{label}* by {who}"
    blocks: list[dict[str, Any]] = [_section(line)]
    if comment:
        blocks.append(_section(quote(comment, 2000)))
    if label == "Edited & approved":
        blocks.append(_section("*Approved text:*"))
        blocks.append(highlighted(draft.text))
    if label == "Changes requested":
        value = ids.button_value(draft.id, draft.revision)
        blocks.append(
            {
                "type": "actions",
                "block_id": "revise",
                "elements": [
                    _button("Revise", ids.ACTION_REVISE, value, "primary"),
                    _withdraw_button(value),
                ],
            }
        )
    return {"text": f"Draft #{escape_mrkdwn(draft.id)}: {label}", "blocks": blocks}


def _withdraw_button(value: str) -> dict[str, Any]:
    button = _button("Withdraw", ids.ACTION_WITHDRAW, value)
    button["confirm"] = {
        "title": {"type": "plain_text", "text": "Withdraw this draft?"},
        "text": {"type": "plain_text", "text": "Approvers will no longer be asked to review it."},
        "confirm": {"type": "plain_text", "text": "Withdraw"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }
    return button


def withdrawn(draft: DraftInfo) -> Message:
    """The submitter's private confirmation after Withdraw."""
    return notice(f":wastebasket: *{draft_label(draft)}* was withdrawn.")


def receipt(draft: DraftInfo, *, mentions: bool = True) -> Message:
    """What the submitter sees right after submitting (or revising): findings and what's next."""
    value = ids.button_value(draft.id, draft.revision)
    blocks: list[dict[str, Any]] = [
        _section(f":outbox_tray: *{draft_label(draft)}* (revision {draft.revision})"),
        highlighted(draft.text, draft.findings),
        *_findings_blocks(draft.verdict, draft.findings),
    ]
    if draft.state == "blocked":
        buttons = [_button("Revise", ids.ACTION_REVISE, value, "primary")]
        if draft.overridable:
            buttons.append(_button("Submit anyway", ids.ACTION_OVERRIDE, value, "danger"))
            hint = "Fix the errors, or submit anyway with a written reason."
        else:
            hint = "These errors cannot be overridden: revise the draft."
        buttons.append(_withdraw_button(value))
        blocks.append(_context(hint))
        blocks.append({"type": "actions", "block_id": "blocked", "elements": buttons})
    else:
        blocks.append(_context(next_step(draft, mentions=mentions)))
        if draft.state in WITHDRAWABLE:
            blocks.append(
                {"type": "actions", "block_id": "withdraw", "elements": [_withdraw_button(value)]}
            )
    return {
        "text": f"Draft #{escape_mrkdwn(draft.id)}: {draft.state.replace('_', ' ')}",
        "blocks": blocks,
    }


def route_text(route: Iterable[Mapping[str, Any]], *, mentions: bool = True) -> str:
    """The review stages; `mentions=False` (messages in shared channels) names approvers by id
    in code style instead of mentioning them, so a receipt never pings anyone."""
    stages = []
    for s in route:
        names = [
            user(str(a)) if mentions else f"`{escape_mrkdwn(str(a))}`"
            for a in s.get("approvers") or []
        ]
        who = ", ".join(names) or "nobody"
        mode = " (all of)" if s.get("mode") == "all" else ""
        stages.append(f"{s.get('stage')}. {escape_mrkdwn(str(s.get('group')))}{mode}: {who}")
    return " → ".join(stages)


def next_step(draft: DraftInfo, *, mentions: bool = True) -> str:
    if draft.state == "approved":
        return ":white_check_mark: " + escape_mrkdwn(draft.note or "Approved.")
    if draft.state == "in_review":
        if draft.route:
            return ":hourglass_flowing_sand: Sent for review: " + route_text(
                draft.route, mentions=mentions
            )
        return ":hourglass_flowing_sand: Sent for review."
    if draft.note:
        return ":warning: " + escape_mrkdwn(draft.note)
    return f"State: {escape_mrkdwn(draft.state.replace('_', ' '))}."


def check_result(
    summary: CheckSummary, text: str, *, brand: str | None, platform: str | None
) -> Message:
    """The ephemeral /brandcheck answer."""
    where = " · ".join(escape_mrkdwn(x) for x in (brand, platform) if x)
    blocks = [
        _section(f":mag: *Brand check*{' · ' + where if where else ''} (nothing was submitted)"),
        highlighted(text, summary.findings),
        *_findings_blocks(summary.verdict, summary.findings),
    ]
    if summary.route:
        stages = ", ".join(
            f"{escape_mrkdwn(str(s.get('group')))} ({s.get('mode', 'any')})" for s in summary.route
        )
        blocks.append(_context(f"Would go to: {stages}"))
    return {"text": f"Brand check: {summary.verdict}", "blocks": blocks}


def notice(text: str) -> Message:
    """A one-line private message (refusals, errors); `text` must already be safe mrkdwn."""
    return {"text": text, "blocks": [_section(text)]}


def refusal(reason: str) -> Message:
    return notice(":no_entry_sign: " + escape_mrkdwn(reason))

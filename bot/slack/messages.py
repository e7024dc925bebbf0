"""Pure Block Kit builders for messages: data in, `{"text": ..., "blocks": [...]}` out.

No builder calls Slack or the database, so each one is testable by looking at the dict. All
user-written text goes through `escape` (mrkdwn) or `richtext` (literal); the top-level `text`
(used for notifications) never contains draft text at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from bot.engine.platforms import DEFAULT_MAX_CHARS, weighted_length
from bot.slack import ids
from bot.slack.backend import CheckSummary, DraftInfo
from bot.slack.escape import escape_mrkdwn, escape_plain, fit, quote, user
from bot.slack.richtext import diff, diff_length, highlighted_blocks

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


# Slack's limits (see /work/shared/slack-limits.md): a section's text is 1-3,000 characters, a
# message has at most 50 blocks, and Slack refuses a message whose blocks carry much more than
# 12,000 characters of text (msg_blocks_too_long). Builders share out MESSAGE_BUDGET.
SECTION_MAX = 3000
MESSAGE_BUDGET = 11_000
DRAFT_BUDGET = 6000  # of a message: longer drafts are cut, saying where to read them whole
FINDINGS_BUDGET = 1500
FINDING_QUOTE = 200  # characters of a finding's matched text quoted back
PART_BUDGET = 800  # context, notes, override reason, comments


class Budget:
    """Characters of text a message may still carry."""

    def __init__(self, total: int = MESSAGE_BUDGET) -> None:
        self.left = total

    def take(self, wanted: int) -> int:
        granted = max(min(wanted, self.left), 0)
        self.left -= granted
        return granted

    def spend(self, blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        self.left -= sum(len(t) for t in _block_texts(blocks))
        return blocks


def _block_texts(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from _block_texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _block_texts(value)


def _section(text: str) -> dict[str, Any]:
    """A mrkdwn section; `text` is cut (safely) to Slack's 3,000 and never left empty."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": _visible(text)}}


def _visible(text: str) -> str:
    """Slack refuses an empty (or blank) text object: show that it is empty instead."""
    return fit(text, SECTION_MAX) if text.strip() else "_(empty)_"


def _context(*parts: str) -> dict[str, Any]:
    shown = [p for p in parts if p and p.strip()] or [""]
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _visible(p)} for p in shown]}


def label_mrkdwn(label: str) -> str:
    """A decision's label ("Edited & approved") as mrkdwn: `&` must be sent as `&amp;`."""
    return escape_mrkdwn(label)


def _draft_text_blocks(
    draft: DraftInfo, budget: Budget, *, limit: int = DRAFT_BUDGET, findings: bool = True
) -> list[dict[str, Any]]:
    rest = f"; the whole draft: `brandgate drafts show {escape_plain(draft.id)}`"
    return budget.spend(
        highlighted_blocks(
            draft.text,
            draft.findings if findings else (),
            budget=min(limit, max(budget.left - 400, 500)),
            rest=rest,
        )
    )


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
    brand = escape_mrkdwn(_clip(draft.brand_name or draft.brand_id, 100))
    where = escape_mrkdwn(_clip(f"{draft.platform} {draft.kind}", 60))
    return f"Draft #{escape_mrkdwn(_clip(draft.id, 40))} · {brand} · {where}"


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


def planned_line(publish_at: str | None) -> str:
    """`:calendar: to be published 2026-12-03 09:00 UTC`, or "" without a planned time."""
    if not publish_at:
        return ""
    try:
        moment = datetime.fromisoformat(str(publish_at)).astimezone(UTC)
    except ValueError:
        return ""
    return f":calendar: to be published {moment.strftime('%Y-%m-%d %H:%M')} UTC"


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


def _clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters before escaping (so no entity is ever cut)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def finding_line(f: Mapping[str, Any]) -> str:
    """One finding as a mrkdwn line; what it quotes back is clipped, so a line stays short
    however long the matched text (a platform-length finding quotes the whole overflow)."""
    icon = LEVEL_ICON.get(str(f.get("level")), ":grey_question:")
    rule = escape_mrkdwn(_clip(str(f.get("rule")), 80))
    message = escape_mrkdwn(_clip(str(f.get("message") or ""), 500))
    # "draft #12" is how every message names a draft, so an approver can find it.
    message = _DRAFT_REF.sub(r"\1 #\2", message)
    line = f"{icon} `{rule}` {message}"
    if f.get("text"):
        line += f" — “{escape_mrkdwn(_clip(str(f['text']), FINDING_QUOTE))}”"
    if f.get("suggestion"):
        line += f" → _{escape_mrkdwn(_clip(str(f['suggestion']), FINDING_QUOTE))}_"
    return line


def findings_text(findings: Iterable[Mapping[str, Any]]) -> str:
    return "\n".join(finding_line(f) for f in findings)


def findings_sections(
    findings: Iterable[Mapping[str, Any]], budget: int, *, where: str = ""
) -> list[dict[str, Any]]:
    """Findings as sections within `budget` characters in all (each section ≤ 3,000); what
    does not fit is summarised ("… and 7 more findings"), never cut mid-line or left empty."""
    lines = [finding_line(f) for f in findings]
    sections: list[str] = []
    chunk, used = "", 0
    for i, line in enumerate(lines):
        left = len(lines) - i
        last = left == 1
        if used + len(line) + 1 > budget - (0 if last else 80):
            note = f"_… and {left} more finding{'s' if left > 1 else ''}{where}_"
            line = note
        if chunk and len(chunk) + len(line) + 1 > SECTION_MAX:
            sections.append(chunk)
            chunk = ""
        chunk += ("\n" if chunk else "") + line
        used += len(line) + 1
        if line.startswith("_… and"):
            break
    if chunk:
        sections.append(chunk)
    return [_section(text) for text in sections]


def _findings_blocks(
    verdict: str,
    findings: tuple[Mapping[str, Any], ...],
    budget: Budget | None = None,
    *,
    where: str = "",
) -> list[dict[str, Any]]:
    budget = budget or Budget()
    blocks = [_section(f"*{VERDICT_LABEL.get(verdict, escape_mrkdwn(verdict))}*")]
    if findings:
        blocks += findings_sections(findings, budget.take(FINDINGS_BUDGET), where=where)
    return blocks


def _changes_blocks(draft: DraftInfo, budget: Budget) -> list[dict[str, Any]]:
    since = draft.changes_from or draft.revision - 1
    if diff_length(draft.changes) <= budget.left - 200:
        return budget.spend([_section(f"*Changes since revision {since}:*"), diff(draft.changes)])
    changed = sum(1 for op in draft.changes if op.get("op") != "equal")
    return budget.spend(
        [
            _section(
                f"*Changes since revision {since}:* {_plural(changed, 'change')}, too long to "
                f"show here: `brandgate drafts show {escape_mrkdwn(draft.id)}` has them."
            )
        ]
    )


def _draft_body(
    draft: DraftInfo, budget: Budget, *, with_diff: bool = True
) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if draft.context:
        blocks.append(_section("*In reply to:*\n" + quote(draft.context, PART_BUDGET)))
    if draft.override_reason:
        reason = fit(escape_mrkdwn(draft.override_reason), PART_BUDGET)
        blocks.append(_section("*Submitted despite errors:* " + reason))
    if draft.notes:
        blocks.append(_context("Notes: " + fit(escape_mrkdwn(draft.notes), PART_BUDGET)))
    budget.spend(blocks)
    where = f": `brandgate drafts show {escape_mrkdwn(draft.id)}`"
    findings = budget.spend(_findings_blocks(draft.verdict, draft.findings, Budget(), where=where))
    text = _draft_text_blocks(draft, budget)
    changes = _changes_blocks(draft, budget) if with_diff and draft.changes else []
    context, rest = blocks[:1] if draft.context else [], blocks[1:] if draft.context else blocks
    return [*context, *text, *findings, *changes, *rest]


def review_request(
    draft: DraftInfo,
    *,
    stage: Mapping[str, Any] | None = None,
    earlier: str | None = None,
    banner: str | None = None,
    publish_at: str | None = None,
) -> Message:
    """The approver's DM: the draft, findings, context, changes, and the four decision buttons;
    `banner` (safe mrkdwn: "overdue", "paused") heads it while it applies; `publish_at` (an
    ISO-8601 time) says when the post is planned, so the approver knows how long it can wait."""
    value = ids.button_value(draft.id, draft.revision)
    stage_txt = ""
    if stage:
        group = fit(escape_mrkdwn(str(stage.get("group", ""))), 200)
        stage_txt = f"stage {escape_mrkdwn(str(stage.get('stage', '?')))}: {group}"
    values = values_line(draft.values)
    budget = Budget()
    head = budget.spend(
        [
            *([_section(fit(banner, PART_BUDGET))] if banner else []),
            _section(f":inbox_tray: *{draft_label(draft)}* needs your review"),
            _context(meta_line(draft), stage_txt, planned_line(publish_at)),
            *([_context(fit(values, PART_BUDGET))] if values else []),
            *([_context(fit(earlier, PART_BUDGET))] if earlier else []),
        ]
    )
    buttons = {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            _button("Approve", ids.ACTION_APPROVE, value, "primary"),
            _button("Request changes", ids.ACTION_CHANGES, value),
            _button("Reject", ids.ACTION_REJECT, value, "danger"),
            _button("Edit & approve", ids.ACTION_EDIT, value),
        ],
    }
    budget.spend([buttons])
    blocks = [*head, *_draft_body(draft, budget), buttons]
    text = f"Draft #{escape_plain(draft.id)} ({draft.platform}) needs your review"
    return {"text": escape_mrkdwn(text), "blocks": blocks}


def decided(draft: DraftInfo, *, by: str, action: str, comment: str | None = None) -> Message:
    """What every approver's DM becomes once someone decided: no buttons, who and what."""
    label = ACTION_PAST.get(action, action)
    line = f"{ACTION_ICON.get(label, '')} *{label_mrkdwn(label)}*" + (
        f" by {user(by)}" if by else ""
    )
    if comment:
        line += "\n" + quote(comment, 1500)
    budget = Budget()
    head = budget.spend([_section(f"*{draft_label(draft)}*"), _context(meta_line(draft))])
    tail = budget.spend([_section(line)])
    blocks = [*head, *_draft_body(draft, budget, with_diff=False), *tail]
    return {"text": f"Draft #{escape_mrkdwn(draft.id)}: {label_mrkdwn(label)}", "blocks": blocks}


def outcome(
    draft: DraftInfo,
    *,
    by: str | None,
    action: str,
    comment: str | None = None,
    policy: str | None = None,
) -> Message:
    """The submitter's thread reply after a decision (by a person, or by the brand's policy)."""
    label = ACTION_PAST.get(action, action)
    policy_name = fit(escape_mrkdwn(policy or "auto-approve"), 200)
    who = user(by) if by else f"the brand's policy ({policy_name})"
    line = f"{ACTION_ICON.get(label, '')} *{draft_label(draft)}*: *{label_mrkdwn(label)}* by {who}"
    budget = Budget()
    blocks: list[dict[str, Any]] = [_section(line)]
    if comment:
        blocks.append(_section(quote(comment, 2000)))
    budget.spend(blocks)
    if label == "Edited & approved":
        blocks.append(_section("*Approved text:*"))
        blocks += _draft_text_blocks(draft, budget, limit=budget.left - 500, findings=False)
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
    return {"text": f"Draft #{escape_mrkdwn(draft.id)}: {label_mrkdwn(label)}", "blocks": blocks}


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
    budget = Budget()
    head = budget.spend(
        [_section(f":outbox_tray: *{draft_label(draft)}* (revision {draft.revision})")]
    )
    where = f": `brandgate drafts show {escape_mrkdwn(draft.id)}`"
    findings = budget.spend(_findings_blocks(draft.verdict, draft.findings, Budget(), where=where))
    budget.take(PART_BUDGET)  # the next step and the buttons
    blocks: list[dict[str, Any]] = [*head, *_draft_text_blocks(draft, budget), *findings]
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
        blocks.append(_context(fit(next_step(draft, mentions=mentions), PART_BUDGET)))
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
    budget = Budget()
    head = budget.spend(
        [_section(f":mag: *Brand check*{' · ' + where if where else ''} (nothing was submitted)")]
    )
    findings = budget.spend(_findings_blocks(summary.verdict, summary.findings, Budget()))
    budget.take(PART_BUDGET)
    shown = highlighted_blocks(text, summary.findings, budget=max(budget.left, 500))
    blocks = [*head, *shown, *findings]
    if summary.route:
        stages = ", ".join(
            f"{escape_mrkdwn(str(s.get('group')))} ({s.get('mode', 'any')})" for s in summary.route
        )
        blocks.append(_context(fit(f"Would go to: {stages}", PART_BUDGET)))
    return {"text": f"Brand check: {summary.verdict}", "blocks": blocks}


def notice(text: str) -> Message:
    """A one-line private message (refusals, errors); `text` must already be safe mrkdwn."""
    return {"text": text, "blocks": [_section(text)]}


def refusal(reason: str) -> Message:
    return notice(":no_entry_sign: " + escape_mrkdwn(reason))

"""Draft text as Block Kit rich text: verbatim, highlight-able, and unable to mention anyone.

A rich_text `text` element is literal: Slack never parses mrkdwn, links or mentions inside it
(mentions exist only as explicit `user`/`broadcast` elements, which we never emit). So the
approver sees exactly what the agency wrote (and can copy it unchanged, with no escaping
artefacts) while `<!channel>` or `<@U123>` in a draft stays inert text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MAX_CHARS = 3500  # keep a block comfortably under Slack's per-message size limits


def _text(s: str, **style: bool) -> dict[str, Any]:
    el: dict[str, Any] = {"type": "text", "text": s}
    if style:
        el["style"] = style
    return el


def _spans(findings: Iterable[Mapping[str, Any]], length: int) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, level) spans, overlapping findings merged to the worst level."""
    rank = {"suggestion": 0, "warning": 1, "error": 2}
    raw = sorted(
        (max(0, int(f["start"])), min(length, int(f["end"])), str(f.get("level", "warning")))
        for f in findings
        if f.get("start") is not None
        and f.get("end") is not None
        and int(f["end"]) > int(f["start"])
    )
    merged: list[tuple[int, int, str]] = []
    for start, end, level in raw:
        if start >= length:
            continue
        if merged and start < merged[-1][1]:
            p_start, p_end, p_level = merged[-1]
            worst = level if rank.get(level, 1) > rank.get(p_level, 1) else p_level
            merged[-1] = (p_start, max(p_end, end), worst)
        else:
            merged.append((start, end, level))
    return merged


def highlighted(text: str, findings: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """A rich_text block quoting `text`, with every finding's span in bold code style."""
    truncated = len(text) > MAX_CHARS
    shown = text[:MAX_CHARS]
    elements: list[dict[str, Any]] = []
    pos = 0
    for start, end, level in _spans(findings, len(shown)):
        if start > pos:
            elements.append(_text(shown[pos:start]))
        style = {"bold": True, "code": True} if level != "suggestion" else {"italic": True}
        elements.append(_text(shown[start:end], **style))
        pos = end
    if pos < len(shown) or not elements:
        elements.append(_text(shown[pos:] or " "))
    if truncated:
        elements.append(_text(f" … (+{len(text) - MAX_CHARS} more characters)", italic=True))
    return {"type": "rich_text", "elements": [{"type": "rich_text_quote", "elements": elements}]}


def diff(ops: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Word changes (the workflow's `diff.words`): deletions struck through, insertions bold."""
    elements: list[dict[str, Any]] = []
    for op in ops:
        text = str(op.get("text") or "")
        if not text:
            continue
        kind = op.get("op")
        if kind == "delete":
            elements.append(_text(text, strike=True))
        elif kind == "insert":
            elements.append(_text(text, bold=True))
        else:
            elements.append(_text(text))
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": elements or [_text(" ")]}],
    }

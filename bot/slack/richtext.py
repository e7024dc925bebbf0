"""Draft text as Block Kit rich text: verbatim, highlight-able, and unable to mention anyone.

A rich_text `text` element is literal: Slack never parses mrkdwn, links or mentions inside it
(mentions exist only as explicit `user`/`broadcast` elements, which we never emit). So the
approver sees exactly what the agency wrote (and can copy it unchanged, with no escaping
artefacts) while `<!channel>` or `<@U123>` in a draft stays inert text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

MAX_CHARS = 3000  # per rich_text block, like a section's text (Slack documents no own limit)


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


def _chunks(text: str, size: int) -> list[tuple[int, int]]:
    """(start, end) pieces of at most `size` characters, cut after whitespace when there is some
    in a piece's last fifth, so a word (or a link) is not split between two blocks."""
    pieces, start = [], 0
    size = max(size, 1)
    while len(text) - start > size:
        end = start + size
        space = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
        if space >= start + size * 4 // 5:
            end = space + 1
        pieces.append((start, end))
        start = end
    pieces.append((start, len(text)))
    return pieces


def _quote_block(
    text: str, offset: int, spans: list[tuple[int, int, str]], tail: str | None = None
) -> dict[str, Any]:
    """`text` (which starts at `offset` of the draft) as one rich_text quote."""
    elements: list[dict[str, Any]] = []
    pos = 0
    for g_start, g_end, level in spans:
        start, end = max(g_start - offset, 0), min(g_end - offset, len(text))
        if end <= start or end <= pos:
            continue
        start = max(start, pos)
        if start > pos:
            elements.append(_text(text[pos:start]))
        style = {"bold": True, "code": True} if level != "suggestion" else {"italic": True}
        elements.append(_text(text[start:end], **style))
        pos = end
    if pos < len(text) or not elements:
        elements.append(_text(text[pos:] or " "))
    if tail:
        elements.append(_text(tail, italic=True))
    return {"type": "rich_text", "elements": [{"type": "rich_text_quote", "elements": elements}]}


def highlighted_blocks(
    text: str,
    findings: Iterable[Mapping[str, Any]] = (),
    *,
    budget: int = MAX_CHARS,
    rest: str = "",
) -> list[dict[str, Any]]:
    """`text` as rich_text quotes of at most MAX_CHARS each (a long draft is shown whole, over
    several blocks), every finding's span in bold code style. Only when `text` is longer than
    `budget` is it cut, at a word boundary, with a note of how much is left and `rest` (where
    to read the rest)."""
    shown = text
    tail = None
    budget = max(budget, 200)  # always some of the draft, and _chunks needs a positive size
    if len(text) > budget:
        cut = _chunks(text, budget)[0][1]
        shown = text[:cut]
        tail = f" … (+{len(text) - cut} more characters{rest})"
    spans = _spans(findings, len(shown))
    pieces = _chunks(shown, MAX_CHARS)
    return [
        _quote_block(shown[start:end], start, spans, tail if i == len(pieces) - 1 else None)
        for i, (start, end) in enumerate(pieces)
    ]


def highlighted(text: str, findings: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """One rich_text block quoting `text` (cut past MAX_CHARS), findings highlighted."""
    return highlighted_blocks(text, findings)[0]


def diff_length(ops: Iterable[Mapping[str, Any]]) -> int:
    return sum(len(str(op.get("text") or "")) for op in ops)


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

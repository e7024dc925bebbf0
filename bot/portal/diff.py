"""A revision's findings as highlighted segments, and the word diff from the revision before."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

_TOKENS = re.compile(r"\s+|[^\s]+")


def highlighted(text: str, findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """`text` cut into segments, each either plain or covered by a finding (its rule, level,
    message); overlapping findings keep the first one that starts."""
    spans = sorted(
        (f for f in findings if isinstance(f.get("start"), int) and isinstance(f.get("end"), int)),
        key=lambda f: (f["start"], -f["end"]),
    )
    out: list[dict[str, Any]] = []
    at = 0
    for f in spans:
        start, end = max(f["start"], 0), min(f["end"], len(text))
        if start < at or end <= start:
            continue
        if start > at:
            out.append({"text": text[at:start], "finding": None})
        finding = {k: f.get(k) for k in ("rule", "level", "message", "suggestion")}
        out.append({"text": text[start:end], "finding": finding})
        at = end
    if at < len(text):
        out.append({"text": text[at:], "finding": None})
    return out


def word_diff(before: str, after: str) -> list[dict[str, str]]:
    """Runs of `equal`, `delete` and `insert` text, whitespace kept, words compared whole; a
    change that spans several words reads as one deletion and one insertion, not word by word."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    ops = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    out: list[dict[str, str]] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        if removed:
            out.append({"op": "delete", "text": "".join(removed)})
        if added:
            out.append({"op": "insert", "text": "".join(added)})
        removed.clear()
        added.clear()

    for n, (op, i1, i2, j1, j2) in enumerate(ops):
        if op != "equal":
            removed.extend(a[i1:i2])
            added.extend(b[j1:j2])
            continue
        same = "".join(a[i1:i2])
        between = (removed or added) and n + 1 < len(ops)
        if between and not same.strip():  # only a space between two changes: one change
            removed.append(same)
            added.append(same)
            continue
        flush()
        out.append({"op": "equal", "text": same})
    flush()
    return out

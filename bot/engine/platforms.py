"""How long a post may be on each platform, and how each platform counts characters."""

from __future__ import annotations

import re
import unicodedata

from bot.engine.links import URL, may_hold_link

# Published limits, used when a brand's file gives none for a platform.
DEFAULT_MAX_CHARS: dict[str, int] = {
    "x": 280,
    "linkedin": 3000,
    "instagram": 2200,
    "facebook": 63206,
    "tiktok": 4000,
    "threads": 500,
    "youtube": 5000,
}

_X_URL_WEIGHT = 23
# X (twitter-text v3) counts these code point ranges as 1, everything else (CJK, emoji) as 2.
_X_HEAVY = re.compile(r"[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]")


def _x_weight(text: str) -> int:
    return len(text) + len(_X_HEAVY.findall(text)) if not text.isascii() else len(text)


def weighted_length(text: str, platform: str) -> int:
    """Length as the platform counts it: X weighs URLs as 23 and wide characters as 2."""
    if text.isascii():
        if platform != "x" or not may_hold_link(text):
            return len(text)
    else:
        text = unicodedata.normalize("NFC", text)
    if platform != "x":
        return len(text)
    total = _x_weight(text)
    if "." in text:
        for url in URL.finditer(text):
            total += _X_URL_WEIGHT - _x_weight(url.group())
    return total


def cut_position(text: str, platform: str, limit: int) -> int:
    """The first index of `text` that falls past `limit` as the platform counts."""
    if platform != "x":
        return min(limit, len(text))
    low, high = 0, len(text)
    while low < high:  # the weighted length of a prefix grows with the prefix
        middle = (low + high + 1) // 2
        if weighted_length(text[:middle], platform) <= limit:
            low = middle
        else:
            high = middle - 1
    return low

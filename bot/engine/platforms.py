"""How long a post may be on each platform, and how each platform counts characters."""

from __future__ import annotations

import re
import unicodedata

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

_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"]+")
_X_URL_WEIGHT = 23
# X (twitter-text v3) counts these code point ranges as 1, everything else (CJK, emoji) as 2.
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _x_weight(char: str) -> int:
    code = ord(char)
    return 1 if any(lo <= code <= hi for lo, hi in _X_LIGHT_RANGES) else 2


def weighted_length(text: str, platform: str) -> int:
    """Length as the platform counts it: X weighs URLs as 23 and wide characters as 2."""
    text = unicodedata.normalize("NFC", text)
    if platform != "x":
        return len(text)
    total = 0
    position = 0
    for url in _URL.finditer(text):
        total += sum(_x_weight(c) for c in text[position : url.start()]) + _X_URL_WEIGHT
        position = url.end()
    return total + sum(_x_weight(c) for c in text[position:])


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

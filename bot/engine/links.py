"""What the engine reads as a link: one pattern for every check.

Links are left out of digit-for-letter reading (a short link is random letters and digits),
of readability counts and of the duplicate check's words, and X weighs each as 23 characters.
Scheme and host are case-insensitive, so `HTTPS://EXAMPLE.COM/A1B2` is a link like its
lowercase spelling; a bare domain counts when it ends in a common top-level domain.
"""

from __future__ import annotations

import re

URL = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|net|org|it|co|ly|io|eu)(?:/\S*)?\b",
    re.IGNORECASE,
)


def may_hold_link(text: str) -> bool:
    """Cheap test: every link has "://" or a dot."""
    return "." in text or "://" in text

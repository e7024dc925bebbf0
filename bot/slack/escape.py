"""Rendering user-written text so that Slack shows it verbatim and it can never notify anyone.

Slack's mrkdwn turns `<!channel>`, `<!here>`, `<!everyone>`, `<@U123>`, `<#C123>` and
`<!subteam^S123>` into notifications and links; its escaping rules say to replace exactly
`&`, `<` and `>` with entities. Once those three are escaped no control sequence can survive,
but two more things can still ping when text is *typed* rather than formatted: bare `@channel`
/ `@here` / `@everyone` words (Slack links them when `link_names` is on, and some clients
highlight them), and `@name` user handles. We break those with a word joiner (U+2060), which
is invisible and stops Slack from recognising the keyword.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"

_AT_WORD = re.compile(r"@(?=[\w.-])", re.UNICODE)


def escape_mrkdwn(text: str) -> str:
    """Escape &, <, > per Slack's rules and defuse every @mention; safe inside mrkdwn."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _AT_WORD.sub("@" + WORD_JOINER, text)


def escape_plain(text: str) -> str:
    """For plain_text objects (which never format): only defuse the @ keywords."""
    return _AT_WORD.sub("@" + WORD_JOINER, text)


def quote(text: str, limit: int = 2900) -> str:
    """Escaped text as a mrkdwn block quote, truncated to fit a section (3000 chars max)."""
    body = escape_mrkdwn(text)
    if len(body) > limit:
        body = body[: limit - 1] + "…"
    return "\n".join("&gt; " + line if line else "&gt;" for line in body.split("\n"))


def user(user_id: str) -> str:
    """A mention we generate on purpose (who decided); only for ids we validated."""
    if not re.fullmatch(r"[UW][A-Z0-9]{2,}", user_id or ""):
        return escape_mrkdwn(user_id or "someone")
    return f"<@{user_id}>"


def unescape_slack(text: str) -> str:
    """Message text as Slack delivers it (entities escaped) back to what the author typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

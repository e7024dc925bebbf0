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
from collections.abc import Mapping

WORD_JOINER = "\u2060"

_AT_WORD = re.compile(r"@(?=[\w.-])", re.UNICODE)


def escape_mrkdwn(text: str) -> str:
    """Escape &, <, > per Slack's rules and defuse every @mention; safe inside mrkdwn."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _AT_WORD.sub("@" + WORD_JOINER, text)


def escape_plain(text: str) -> str:
    """For plain_text objects (which never format): only defuse the @ keywords."""
    return _AT_WORD.sub("@" + WORD_JOINER, text)


# What must not be cut in half in mrkdwn: an entity, or a mention/link we generated.
_UNCUTTABLE = re.compile(r"&(?:amp|lt|gt);|<[^<>]*>|@" + WORD_JOINER)
ELLIPSIS = "…"


def fit(mrkdwn: str, limit: int, *, more: str = ELLIPSIS) -> str:
    """`mrkdwn` cut to at most `limit` characters, ending with `more` when cut.

    Never cuts inside an entity (`&amp;`), a mention or link (`<@U1>`) or a defused `@`; prefers
    a line or word boundary in the last fifth, so a cut reads as one."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    room = max(limit - len(more), 0)
    cut = room
    for match in _UNCUTTABLE.finditer(mrkdwn, max(0, room - 300), room + 300):
        if match.start() < room < match.end():
            cut = match.start()
            break
    boundary = max(mrkdwn.rfind("\n", 0, cut + 1), mrkdwn.rfind(" ", 0, cut + 1))
    if boundary > cut * 4 // 5:
        cut = boundary
    return mrkdwn[:cut].rstrip() + more


def quote(text: str, limit: int = 2900) -> str:
    """Escaped text as a mrkdwn block quote, truncated to fit `limit` (a section takes 3000)."""
    lines = escape_mrkdwn(text).split("\n")
    quoted = "\n".join("&gt; " + line if line else "&gt;" for line in lines)
    return fit(quoted, limit)


def user(user_id: str) -> str:
    """A mention we generate on purpose (who decided); only for ids we validated."""
    if not re.fullmatch(r"[UW][A-Z0-9]{2,}", user_id or ""):
        return escape_mrkdwn(user_id or "someone")
    return f"<@{user_id}>"


# Slack's markup in message text: <@U1|name>, <#C1|name>, <!here>, <!subteam^S1|@team>,
# <!date^...|fallback>, <https://x|label>, <mailto:a@b|a@b>
_MARKUP = re.compile(r"<([^<>|]*)(?:\|([^<>]*))?>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def _seen(match: re.Match[str], names: Mapping[str, str]) -> str:
    target, label = match[1], match[2]
    if target.startswith("@"):
        user_id = target[1:]
        return "@" + (label or names.get(user_id) or user_id)
    if target.startswith("#"):
        return "#" + (label or names.get(target[1:]) or target[1:])
    if target.startswith("!"):
        command = target[1:]
        if label:
            return label
        return _SPECIAL.get(command.split("^", 1)[0], "@" + command)
    if label:
        return label
    return target.removeprefix("mailto:")


def text_people_see(text: str, names: Mapping[str, str] | None = None) -> str:
    """A message's text as Slack delivers it to the app (mentions, channels and links as
    `<...>` markup, `&`, `<`, `>` as entities) turned into what people read in Slack: `@name`
    (or `@U123` without a name), `#channel`, a link's label (its URL when it has none), `@here`;
    then entities decoded. `names` maps user and channel ids to names when known."""
    return unescape_slack(_MARKUP.sub(lambda m: _seen(m, names or {}), text))


def unescape_slack(text: str) -> str:
    """Message text as Slack delivers it (entities escaped) back to what the author typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

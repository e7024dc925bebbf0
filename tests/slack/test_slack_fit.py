"""Issue 11, defect 9: a cut never splits an entity, a mention or a defused `@` (escape.fit, used
by every builder that shortens mrkdwn), for any text and any limit."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.escape import ELLIPSIS, WORD_JOINER, escape_mrkdwn, fit, user

PIECES = st.one_of(
    st.text(alphabet="ab &<>@!\n", max_size=40).map(escape_mrkdwn),
    st.sampled_from(["U01BRAND1", "UAGENCY1", "W0GRID01"]).map(lambda u: f"Approved by {user(u)}"),
    st.just(escape_mrkdwn("Q&A @here ")),
)
MRKDWN = st.lists(PIECES, max_size=80).map("".join)
WHOLE = re.compile(r"&(?:amp|lt|gt);|<@[UW][A-Z0-9]+>")


@settings(max_examples=300, deadline=None)
@given(MRKDWN, st.integers(10, 3000))
def test_a_cut_never_splits_an_entity_or_a_mention(mrkdwn: str, limit: int) -> None:
    cut = fit(mrkdwn, limit)
    assert len(cut) <= limit
    if cut == mrkdwn:
        return
    assert cut.endswith(ELLIPSIS)
    kept = cut[: -len(ELLIPSIS)]
    assert mrkdwn.startswith(kept)
    rest = WHOLE.sub("", kept)
    assert "&" not in rest and "<" not in rest and ">" not in rest, kept[-20:]
    # a defused @ stays defused: never an "@" whose word joiner was cut off
    if kept.endswith("@"):
        assert not mrkdwn[len(kept) :].startswith(WORD_JOINER)


def test_the_reported_cut_inside_a_mention() -> None:
    line = "Approved by " + user("U01BRAND1") + " "
    text = line * 300
    for limit in range(2790, 2811):
        cut = fit(text, limit)
        assert not cut.rstrip(ELLIPSIS).endswith("<@") and cut.count("<@") == cut.count(">")

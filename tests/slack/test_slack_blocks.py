"""Pure builders: escaping, rich text, Block Kit messages and views, outbox rendering."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from bot.slack import ids, messages, modals, render
from bot.slack.backend import BrandChoice, DraftInfo, HomeData
from bot.slack.commands_parse import parse_check, parse_direct
from bot.slack.escape import WORD_JOINER, escape_mrkdwn, quote, unescape_slack, user
from bot.slack.redact import RedactingFilter
from bot.slack.richtext import diff, highlighted

DANGEROUS = "Hi <!channel> <!here|here> <@U123> <!subteam^S1|@team> <#C1> @here @channel & co"


def test_escape_neutralises_every_control_sequence() -> None:
    out = escape_mrkdwn(DANGEROUS)
    assert "<" not in out and ">" not in out
    assert "&amp; co" in out and "&lt;!channel&gt;" in out
    assert "@here" not in out and "@channel" not in out  # word joiner after every @
    assert (
        out.replace(WORD_JOINER, "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        == DANGEROUS
    )


def test_unescape_is_the_inverse_of_slack_entity_escaping() -> None:
    assert unescape_slack("a &amp;lt; b &lt;3 &gt;") == "a &lt; b <3 >"


def test_quote_escapes_and_quotes_every_line() -> None:
    assert quote("<!here>\nline two") == "&gt; &lt;!here&gt;\n&gt; line two"


def test_user_mentions_only_for_real_ids() -> None:
    assert user("U01BRAND1") == "<@U01BRAND1>"
    assert "<" not in user("<!channel>")


def test_highlighted_keeps_text_verbatim_and_marks_findings() -> None:
    text = "We guarantee <!channel> fun"
    block = highlighted(text, [{"start": 3, "end": 12, "level": "error"}])
    elements = block["elements"][0]["elements"]
    assert "".join(e["text"] for e in elements) == text
    assert elements[1] == {
        "type": "text",
        "text": "guarantee",
        "style": {"bold": True, "code": True},
    }
    assert all(e["type"] == "text" for e in elements)


def test_highlighted_merges_overlapping_findings_and_clamps_offsets() -> None:
    block = highlighted(
        "abcdef",
        [
            {"start": 1, "end": 4, "level": "warning"},
            {"start": 2, "end": 5, "level": "error"},
            {"start": 5, "end": 99, "level": "suggestion"},
        ],
    )
    texts = [e["text"] for e in block["elements"][0]["elements"]]
    assert texts == ["a", "bcde", "f"]


def test_diff_renders_word_ops() -> None:
    block = diff(
        [
            {"op": "equal", "text": "a "},
            {"op": "delete", "text": "b"},
            {"op": "insert", "text": "c"},
        ]
    )
    els = block["elements"][0]["elements"]
    assert els[1]["style"] == {"strike": True} and els[2]["style"] == {"bold": True}


def _draft(**kw: Any) -> DraftInfo:
    base: dict[str, Any] = dict(
        id="7",
        revision=2,
        state="in_review",
        brand_id="acme",
        brand_name="Acme <Outdoor>",
        platform="x",
        text="Hello <@U999>",
        submitter="UAGENCY1",
        findings=({"rule": "r<1>", "level": "warning", "message": "m & m", "start": 0, "end": 5},),
        verdict="review",
    )
    base.update(kw)
    return DraftInfo(**base)


def _mrkdwn_texts(node: Any) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            out.append(node["text"])
        for v in node.values():
            out.extend(_mrkdwn_texts(v))
    elif isinstance(node, list):
        for v in node:
            out.extend(_mrkdwn_texts(v))
    return out


@pytest.mark.parametrize(
    "message",
    [
        messages.review_request(_draft(), stage={"stage": 1, "group": "brand"}),
        messages.decided(_draft(), by="U1", action="approve"),
        messages.outcome(_draft(), by="U1", action="changes", comment="<!here> fix"),
        messages.receipt(_draft(state="blocked", verdict="block")),
    ],
)
def test_messages_never_carry_raw_control_sequences(message: dict[str, Any]) -> None:
    for text in [message["text"], *_mrkdwn_texts(message["blocks"])]:
        assert "<@U999>" not in text and "<!here>" not in text and "<Outdoor>" not in text
        assert "<1>" not in text


def test_review_request_buttons_carry_draft_and_revision() -> None:
    msg = messages.review_request(_draft())
    (actions,) = [b for b in msg["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == list(ids.APPROVER_ACTIONS)
    assert {e["value"] for e in actions["elements"]} == {"7:2"}
    assert ids.parse_button_value("7:2") == ("7", 2)
    with pytest.raises(ValueError):
        ids.parse_button_value("nonsense")


def test_blocked_receipt_hides_submit_anyway_when_not_overridable() -> None:
    msg = messages.receipt(_draft(state="blocked", overridable=False))
    (actions,) = [b for b in msg["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [ids.ACTION_REVISE, ids.ACTION_WITHDRAW]


def test_submit_modal_preselects_a_single_brand_and_round_trips_metadata() -> None:
    view = modals.submit_modal(
        [BrandChoice("acme", "Acme", ("x",))], text="hi", metadata={"origin": {"channel": "C1"}}
    )
    brand = next(b for b in view["blocks"] if b["block_id"] == ids.BLOCK_BRAND)
    assert brand["element"]["initial_option"]["value"] == "acme"
    assert json.loads(view["private_metadata"]) == {"origin": {"channel": "C1"}}
    assert len(view["title"]["text"]) <= 24


def test_home_view_sections() -> None:
    view = modals.home(HomeData(my_drafts=(_draft(),), pending=(), decisions=None))
    text = json.dumps(view)
    assert "Your drafts" in text and "Latest decisions" not in text


def test_parse_direct_and_check() -> None:
    brands = [BrandChoice("acme", "Acme", ("x",)), BrandChoice("solo", "Solo", ())]
    assert parse_direct("ACME X  hello  world", brands) == (brands[0], "x", "hello  world")
    assert isinstance(parse_direct("acme x", brands), str)
    assert parse_check("solo linkedin Hello", brands) == ([brands[1]], "linkedin", "Hello")
    assert parse_check("Hello there", brands) == (brands, None, "Hello there")


def test_render_settled_review_request_shows_the_decision_not_buttons() -> None:
    payload = {"draft": 3, "revision": 1, "text": "t", "submitter": "U1", "brand": "acme"}
    item = SimpleNamespace(
        kind="review_request", recipient="U2", draft_id=3, dedupe_key="k", payload=payload
    )
    lookups = SimpleNamespace(
        settlement_of=lambda d, k: {**payload, "decision": "approve", "decided_by": "U03DEC"},
        result_of=lambda k: None,
    )
    delivery = render.delivery(item, lookups)
    assert delivery.channel == "U2"
    assert not any(b["type"] == "actions" for b in delivery.message["blocks"])
    assert "<@U03DEC>" in json.dumps(delivery.message)


def test_render_unknown_kind_is_shown_not_dropped() -> None:
    item = SimpleNamespace(
        kind="future_kind", recipient="U2", draft_id=1, dedupe_key="k", payload={"text": "<!here>"}
    )
    delivery = render.delivery(item, SimpleNamespace())
    assert delivery.channel == "U2" and "<!here>" not in delivery.message["text"]


def test_redacting_filter() -> None:
    flt = RedactingFilter(("super-secret-value",))
    assert flt.redact("xoxb-1-2-abc xapp-1-A-b super-secret-value") == (
        "xoxb-[redacted] xapp-[redacted] [redacted]"
    )


# -- brand values, character counts, draft references ----------------------------------------


def _contexts(message: dict[str, Any]) -> list[str]:
    return [el["text"] for b in message["blocks"] if b["type"] == "context" for el in b["elements"]]


def test_review_request_shows_the_values_the_draft_touches() -> None:
    values = {
        "honest": {"signals": 2, "contradictions": 1},
        "calm": {"signals": 0, "contradictions": 0},
        "bold": {"signals": 1, "contradictions": 0},
        "<!here>": {"signals": 0, "contradictions": 3},
    }
    line = next(
        c for c in _contexts(messages.review_request(_draft(values=values))) if "Values" in c
    )
    assert line.startswith("Values — honest: 2 signals · *1 contradiction*; bold: 1 signal; ")
    assert "calm" not in line  # all-zero values are hidden
    assert "*3 contradictions*" in line and "<!here>" not in line  # value ids are escaped


def test_review_request_without_value_hits_has_no_values_line() -> None:
    for values in ({}, {"calm": {"signals": 0, "contradictions": 0}}):
        msg = messages.review_request(_draft(values=values))
        assert not any("Values" in c for c in _contexts(msg))
    assert messages.values_line({"x": {"signals": 0, "contradictions": 0}}) is None


def test_character_count_uses_the_brand_limit_or_the_platform_default() -> None:
    text = "Trail test https://example.com/a/very/long/path/that/x/counts/as/23"
    on_x = _draft(text=text, platform="x", max_chars=None)
    assert f"{23 + len('Trail test ')}/280 characters" in messages.meta_line(on_x)
    brand_limit = _draft(text="abc", platform="linkedin", max_chars=100)
    assert "3/100 characters" in messages.meta_line(brand_limit)
    default = _draft(text="abc", platform="threads", max_chars=None)
    assert "3/500 characters" in messages.meta_line(default)
    over = _draft(text="x" * 12, platform="x", max_chars=10)
    assert "*12/10 characters*" in messages.meta_line(over)
    # wide characters weigh 2 on X only
    assert "4/280 characters" in messages.meta_line(_draft(text="日本", platform="x"))


def test_render_carries_values_and_max_chars_from_the_payload() -> None:
    payload = {
        "draft": 4,
        "revision": 1,
        "platform": "x",
        "text": "hi",
        "values": {"honest": {"signals": 1, "contradictions": 0}},
        "max_chars": 140,
    }
    info = render.draft_from_payload(payload)
    assert info.max_chars == 140 and info.values == payload["values"]
    assert "2/140 characters" in messages.meta_line(info)


def test_a_duplicate_finding_names_the_draft_as_a_reference() -> None:
    finding = {
        "rule": "no-repeats",
        "level": "warning",
        "message": "Near-duplicate of 2 earlier draft(s) of the last 30 days; closest: draft 12 "
        "(91% similar).",
    }
    text = messages.findings_text([finding])
    assert "closest: draft #12 (91% similar)" in text
    assert "2 earlier draft(s)" in text  # only "draft N" becomes a reference


def test_receipt_offers_withdraw_while_the_draft_is_open() -> None:
    for state in ("submitted", "in_review", "blocked"):
        msg = messages.receipt(_draft(state=state))
        buttons = [
            e["action_id"] for b in msg["blocks"] if b["type"] == "actions" for e in b["elements"]
        ]
        assert ids.ACTION_WITHDRAW in buttons, state
    for state in ("approved", "withdrawn", "rejected"):
        msg = messages.receipt(_draft(state=state))
        assert not any(b["type"] == "actions" for b in msg["blocks"]), state
    outcome = messages.outcome(_draft(state="changes_requested"), by="UB1", action="changes")
    (actions,) = [b for b in outcome["blocks"] if b["type"] == "actions"]
    assert [e["action_id"] for e in actions["elements"]] == [ids.ACTION_REVISE, ids.ACTION_WITHDRAW]

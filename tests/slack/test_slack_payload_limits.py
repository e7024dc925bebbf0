"""Every Block Kit builder stays within Slack's limits for any input (issue 11, defects 1-3, 9).

The validator is the strict fake Slack's own (tests/slack/slack_rules.py): slack_sdk's models plus
the documented limits they do not check.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack import messages, modals
from bot.slack.backend import (
    AuditStatus,
    BrandChoice,
    CheckSummary,
    DecisionInfo,
    DraftInfo,
    HomeData,
)
from bot.slack.escape import text_people_see
from tests.slack.slack_rules import assert_message_ok, assert_view_ok, message_refusal

# Text that is hard to render: entities, mentions, emoji, newlines, very long words.
NASTY = st.lists(
    st.sampled_from([*"ab &<>@!|#*_~`\n\t", "é", "😀", "Q&A ", "<!channel>", "word "]),
    max_size=300,
).map("".join)
LONG = st.one_of(
    NASTY,
    st.builds(lambda s, n: (s or "x") * n, NASTY, st.integers(1, 60)),
    st.integers(0, 16_000).map(lambda n: ("word " * (n // 5 + 1))[:n]),
)
LEVELS = st.sampled_from(["error", "warning", "suggestion", "other"])


@st.composite
def findings(draw: st.DrawFn, text_len: int) -> tuple[dict[str, Any], ...]:
    out = []
    for _ in range(draw(st.integers(0, 40))):
        start = draw(st.integers(0, max(text_len, 1)))
        out.append(
            {
                "rule": draw(st.sampled_from(["platform-length", "no-guarantees", "<r&d>"])),
                "level": draw(LEVELS),
                "message": draw(LONG),
                "text": draw(LONG),
                "suggestion": draw(st.one_of(st.none(), NASTY)),
                "start": start,
                "end": start + draw(st.integers(-2, 5000)),
                "overridable": draw(st.booleans()),
            }
        )
    return tuple(out)


@st.composite
def drafts(draw: st.DrawFn) -> DraftInfo:
    text = draw(LONG)
    changes = tuple(
        {"op": draw(st.sampled_from(["equal", "insert", "delete"])), "text": draw(LONG)}
        for _ in range(draw(st.integers(0, 6)))
    )
    return DraftInfo(
        id=str(draw(st.integers(1, 10**9))),
        revision=draw(st.integers(1, 50)),
        state=draw(
            st.sampled_from(
                ["submitted", "blocked", "in_review", "approved", "rejected", "changes_requested"]
            )
        ),
        brand_id="acme",
        brand_name=draw(NASTY),
        platform=draw(st.sampled_from(["x", "linkedin", "instagram"])),
        kind=draw(st.sampled_from(["post", "reply"])),
        text=text,
        submitter="UAGENCY1",
        context=draw(st.one_of(st.none(), LONG)),
        notes=draw(st.one_of(st.none(), LONG)),
        verdict=draw(st.sampled_from(["pass", "review", "block"])),
        findings=draw(findings(len(text))),
        overridable=draw(st.booleans()),
        changes=changes,
        changes_from=draw(st.one_of(st.none(), st.integers(1, 9))),
        override_reason=draw(st.one_of(st.none(), LONG)),
        route=tuple(
            {"stage": i, "group": draw(NASTY), "mode": "all", "approvers": ["UBRAND1", "<x>"]}
            for i in range(draw(st.integers(0, 3)))
        ),
        comment=draw(st.one_of(st.none(), LONG)),
        note=draw(st.one_of(st.none(), NASTY)),
        values={draw(NASTY): {"signals": 2, "contradictions": 1}},
        max_chars=draw(st.one_of(st.none(), st.integers(1, 5000))),
    )


FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(drafts(), LONG, st.sampled_from(["approve", "edit", "reject", "changes", "withdrawn"]))
def test_every_message_builder_is_accepted_by_slack(
    draft: DraftInfo, comment: str, action: str
) -> None:
    stage = {"stage": 1, "group": "brand <legal>", "mode": "any"}
    assert_message_ok(messages.review_request(draft, stage=stage, earlier=comment or None))
    assert_message_ok(messages.decided(draft, by="UBRAND1", action=action, comment=comment))
    assert_message_ok(messages.outcome(draft, by="UBRAND1", action=action, comment=comment))
    assert_message_ok(messages.outcome(draft, by=None, action=action, policy=comment))
    assert_message_ok(messages.receipt(draft, mentions=False))
    summary = CheckSummary(draft.verdict, draft.findings, draft.route)
    assert_message_ok(messages.check_result(summary, draft.text, brand=comment, platform="x"))
    assert_message_ok(messages.refusal(comment or "no"))


@FAST
@given(drafts(), LONG)
def test_every_view_builder_is_accepted_by_slack(draft: DraftInfo, comment: str) -> None:
    brands = [BrandChoice(f"b{i}", comment[:80] or "B", ("x",)) for i in range(3)]
    assert_view_ok(modals.submit_modal(brands, text=draft.text, context=draft.context))
    assert_view_ok(
        modals.reason_modal("brandgate_reject", draft, title="Reject", label="Why", submit="Go")
    )
    assert_view_ok(modals.edit_modal(draft))
    assert_view_ok(modals.revise_modal(draft))
    decisions = tuple(
        DecisionInfo(str(i), 1, "acme", "UBRAND1", "edit_approve", datetime.now(UTC))
        for i in range(45)
    )
    home = HomeData(
        my_drafts=(draft,) * 45,
        pending=(draft,) * 45,
        decisions=decisions,
        audit=AuditStatus(True, 3, comment),
    )
    assert_view_ok(modals.home(home))


# -- the defects as reported, one example each --------------------------------------------------


def _x_draft(text: str, **kw: Any) -> DraftInfo:
    base: dict[str, Any] = dict(
        id="12",
        revision=1,
        state="in_review",
        brand_id="acme",
        platform="x",
        text=text,
        submitter="UAGENCY1",
    )
    return DraftInfo(**{**base, **kw})


def test_a_long_platform_length_finding_is_summarised_not_an_empty_section() -> None:
    # defect 1: the finding quotes a 3,020-character overflow; the receipt had _section("")
    text = "Trail " * 550
    overflow = {
        "rule": "platform-length",
        "level": "error",
        "message": "Over the platform's limit of 280 characters by 3020.",
        "text": text[280:],
        "start": 280,
        "end": len(text),
    }
    draft = _x_draft(text, state="blocked", verdict="block", findings=(overflow,))
    receipt = messages.receipt(draft)
    assert message_refusal(receipt["text"], receipt["blocks"]) is None
    shown = json.dumps(receipt)
    assert "platform-length" in shown and "Revise" in shown


def test_a_long_change_request_comment_fits_the_revise_modal() -> None:
    # defect 2: "Q&A " x 500 escapes to a 4,011-character section
    draft = _x_draft("Hello", state="changes_requested", comment="Q&A " * 500)
    view = modals.revise_modal(draft)
    assert_view_ok(view)
    assert "Q&amp;A" in json.dumps(view)


def test_a_long_draft_is_never_offered_cut_in_a_text_box() -> None:
    # defect 3: Edit & approve of a 4,000-character LinkedIn draft approved 3,000 of them
    text = " ".join(f"w{i}" for i in range(1000))[:4000]
    draft = _x_draft(text, platform="linkedin")
    for view in (modals.edit_modal(draft), modals.revise_modal(draft)):
        assert_view_ok(view)
        inputs = [b for b in view["blocks"] if b["type"] == "input"]
        assert inputs == [] and "submit" not in view
        shown = json.dumps(view)
        assert "4,000 characters" in shown and "brandgate drafts" in shown
        quoted = "".join(
            e["text"]
            for b in view["blocks"]
            if b["type"] == "rich_text"
            for q in b["elements"]
            for e in q["elements"]
        )
        assert quoted == text  # the whole draft, over several blocks
    prefill = modals.submit_modal([BrandChoice("acme", "Acme", ("x",))], text=text)
    assert_view_ok(prefill)
    (text_input,) = [b for b in prefill["blocks"] if b.get("block_id") == "text"]
    assert "initial_value" not in text_input["element"]
    assert "4,000 characters" in json.dumps(prefill)


def test_an_approver_sees_a_long_draft_whole() -> None:
    text = " ".join(f"w{i}" for i in range(1000))[:5500]
    message = messages.review_request(_x_draft(text, platform="linkedin"))
    assert_message_ok(message)
    quoted = [b for b in message["blocks"] if b["type"] == "rich_text"]
    assert len(quoted) == 2
    assert "".join(e["text"] for b in quoted for e in b["elements"][0]["elements"]) == text


def test_home_splits_between_lines_never_inside_a_mention() -> None:
    # defect 9: "Approved by <@" | "U01BRAND1> ..."
    decisions = tuple(
        DecisionInfo(str(i), 1, "acme", "U01BRAND1", "approve", None) for i in range(40)
    )
    pending = tuple(_x_draft("t", id=str(i), brand_name="B" * 60) for i in range(40))
    view = modals.home(HomeData(pending=pending, decisions=decisions))
    assert_view_ok(view)
    for block in view["blocks"]:
        text = (block.get("text") or {}).get("text", "")
        assert text.count("<@") == text.count(">") - text.count("&gt;"), text[-40:]
        for line in text.split("\n"):
            assert not line.endswith("<@")


def test_edited_and_approved_is_escaped_in_mrkdwn() -> None:
    draft = _x_draft("Hello")
    for message in (
        messages.decided(draft, by="UBRAND1", action="edit"),
        messages.outcome(draft, by="UBRAND1", action="edit"),
    ):
        shown = json.dumps(message)
        assert "Edited &amp; approved" in shown and "Edited & approved" not in shown


def test_markup_of_a_message_becomes_the_text_people_see() -> None:
    # defect 4: the shortcut kept Slack's markup in the draft
    raw = (
        "Hi <@U0CUSTOMR>, our <https://northwind.example/tents|our tents> are in "
        "<#C0SOCIAL|social> <!here> &amp; more at <https://northwind.example> "
        "<mailto:a@b.example|a@b.example> <!subteam^S1|@team> 1 &lt; 2"
    )
    assert text_people_see(raw, {"U0CUSTOMR": "Dana"}) == (
        "Hi @Dana, our our tents are in #social @here & more at https://northwind.example "
        "a@b.example @team 1 < 2"
    )
    assert text_people_see("<@U0CUSTOMR> <!channel>") == "@U0CUSTOMR @channel"

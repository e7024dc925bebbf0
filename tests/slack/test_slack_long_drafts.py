"""Issue 11 through the real app on the strict fake Slack: long drafts and findings, long
comments, a message shortcut's markup, escaped acks. The harness fails a test as soon as the
app sends anything Slack would refuse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack import ids
from tests.slack.brands import ACME, BRAND1, BRAND2, SUBMITTER, write_brands
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import Harness

# Facebook takes long posts (63,206 characters); this brand allows 6,000 there.
LONG_POSTS = ACME.replace(
    "linkedin: {max_chars: 3000}", "linkedin: {max_chars: 3000}\n  facebook: {max_chars: 6000}"
)


@pytest.fixture
def long_posts(fake_slack: FakeSlack, db_url: str, tmp_path: Path) -> Iterator[Harness]:
    brands = write_brands(tmp_path / "long-brands")
    (brands / "acme.yml").write_text(LONG_POSTS, encoding="utf-8")
    harness = Harness(fake_slack, db_url, brands)
    yield harness
    harness.close()


def _quoted(view_or_call_blocks: list[dict]) -> str:
    return "".join(
        e["text"]
        for b in view_or_call_blocks
        if b["type"] == "rich_text"
        for q in b["elements"]
        for e in q["elements"]
        if "style" not in e or e["style"] != {"italic": True}
    )


def test_a_draft_far_over_the_limit_gets_its_findings_and_buttons(slack: Harness) -> None:
    # defect 1: the receipt stayed "Checking your draft…" (invalid_blocks, given up)
    text = "Trail friends, our new tent is here. " * 90  # 3,330 characters on X (280)
    resp = slack.client.command(ids.CMD_DRAFT, f"acme x {text}", user=SUBMITTER)
    assert resp.status == 200
    slack.deliver()  # fails if Slack would refuse any call
    receipt = slack.dms(SUBMITTER)[0]
    filled = [
        c
        for c in slack.fake.calls_to("chat.update")
        if (c.params["channel"], c.params["ts"])
        == (receipt.response["channel"], receipt.response["ts"])
    ]
    assert filled, "the receipt was never filled"
    shown = filled[-1].rendered()
    assert "platform-length" in shown and "Checking your draft" not in shown
    actions = {
        el["action_id"] for b in filled[-1].blocks if b["type"] == "actions" for el in b["elements"]
    }
    assert ids.ACTION_REVISE in actions
    assert all(r.delivered_at is not None for r in slack.outbox())


def test_revise_opens_after_a_long_change_request(slack: Harness) -> None:
    # defect 2: "Q&A " x 500 escaped to a 4,011-character section, views.open was refused
    slack.client.command(ids.CMD_DRAFT, "acme x Our new tent weighs 900 g.", user=SUBMITTER)
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)["id"]
    comment = "Q&A " * 500
    slack.decide_with_modal(BRAND1, ids.ACTION_CHANGES, draft, 1, {ids.BLOCK_COMMENT: comment})
    slack.deliver()
    slack.click(SUBMITTER, ids.ACTION_REVISE, draft, 1)
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_REVISE)
    assert "Q&amp;A Q&amp;A" in json.dumps(view)


def test_a_long_draft_is_shown_whole_and_never_approved_cut(long_posts: Harness) -> None:
    # defect 3: Edit & approve of a 4,000-character draft approved 3,000 characters
    text = " ".join(f"word{i}" for i in range(800))[:4000].strip()
    # (a Slack text box cannot hold it: the agency submits it from the CLI)
    long_posts.runtime.backend.service.submit(
        submitter=SUBMITTER, brand="acme", platform="facebook", text=text
    )
    long_posts.deliver()
    draft = long_posts.latest_draft(SUBMITTER)
    request = long_posts.review_requests(BRAND2)[-1]
    assert _quoted(request.blocks) == text  # the approver sees all of it

    long_posts.click(BRAND2, ids.ACTION_EDIT, draft["id"], 1)
    long_posts.settle()
    view = long_posts.opened_view(callback_id=ids.VIEW_EDIT)
    assert "submit" not in view and not [b for b in view["blocks"] if b["type"] == "input"]
    assert "4,000 characters" in json.dumps(view) and "brandgate drafts decide" in json.dumps(view)
    assert _quoted(view["blocks"]) == text
    assert long_posts.draft(draft["id"]).text == text


def test_the_shortcut_submits_the_text_people_see(slack: Harness) -> None:
    # defect 4: Slack's markup became part of the draft
    message = {
        "type": "message",
        "ts": "1700000000.000077",
        "text": "Thanks <@U0CUSTOMR>! See <https://northwind.example/tents|our tents> in "
        "<#C0SOCIAL|social> <!here> &amp; enjoy",
    }
    slack.client.message_shortcut(
        user=SUBMITTER, callback_id=ids.SHORTCUT_SUBMIT_MESSAGE, channel="C0SOCIAL", message=message
    )
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_SUBMIT)
    (text_block,) = [b for b in view["blocks"] if b.get("block_id") == ids.BLOCK_TEXT]
    assert text_block["element"]["initial_value"] == (
        "Thanks @U0CUSTOMR! See our tents in #social @here & enjoy"
    )


def test_the_draft_ack_escapes_what_was_typed(slack: Harness) -> None:
    # defect 9: `/draft <!channel> x hello` echoed <!channel> unescaped
    resp = slack.client.command(ids.CMD_DRAFT, "&lt;!channel&gt; x hello", user=SUBMITTER)
    answer = resp.json()
    assert "<!channel>" not in answer["text"] and "&lt;!channel&gt;" in answer["text"]

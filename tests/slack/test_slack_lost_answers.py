"""A post whose answer was lost is not posted again: the dispatcher finds it by its metadata.

The fake Slack's `drop_next` does the call (the message is in the conversation) and then closes
the connection without an answer, as a timeout or a reset after sending would.
"""

from __future__ import annotations

from collections import Counter

from bot.slack import ids
from bot.slack.dispatcher import METADATA_EVENT, UNKNOWN_OUTCOME
from tests.slack.brands import BRAND1, BRAND2, SUBMITTER
from tests.slack.harness import Harness

TEXT = "Our new tent weighs 900 g."


def review_posts(slack: Harness) -> Counter[str]:
    return Counter(
        str(c.params["channel"])
        for c in slack.fake.calls_to("chat.postMessage")
        if "needs your review" in c.text
    )


def test_a_review_request_whose_answer_was_lost_is_posted_once(slack: Harness) -> None:
    resp = slack.submit_modal(SUBMITTER, {ids.BLOCK_TEXT: TEXT})
    assert resp.status == 200
    slack.settle()
    slack.fake.drop_next(1, method="chat.postMessage")
    slack.runtime.dispatcher.run_until_idle(slack.clock())
    lost = [r for r in slack.outbox() if (r.last_error or "").startswith(UNKNOWN_OUTCOME)]
    assert len(lost) == 1 and lost[0].delivered_at is None

    slack.clock.advance(3600)
    slack.deliver()
    assert review_posts(slack) == Counter({BRAND1: 1, BRAND2: 1})
    assert all(r.delivered_at is not None for r in slack.outbox())
    (row,) = [r for r in slack.outbox() if r.id == lost[0].id]
    assert row.result is not None and row.result.get("recovered") is True
    assert (row.result["channel"], row.result["ts"]) in slack.fake.messages
    history = slack.fake.calls_to("conversations.history")
    assert history and history[0].params.get("include_all_metadata") in (True, "1", "true")

    # the recovered message is the one later edited when the draft is decided
    if row.kind == "review_request":
        draft = slack.latest_draft(SUBMITTER)
        slack.click(row.recipient, ids.ACTION_APPROVE, draft["id"], 1)
        slack.deliver()
        edited = {(c.params["channel"], c.params["ts"]) for c in slack.fake.calls_to("chat.update")}
        assert (row.result["channel"], row.result["ts"]) in edited


def test_every_post_names_its_outbox_row(slack: Harness) -> None:
    slack.submit_modal(SUBMITTER, {ids.BLOCK_TEXT: TEXT})
    slack.deliver()
    keys = {r.dedupe_key for r in slack.outbox()}
    posts = [c for c in slack.fake.calls_to("chat.postMessage") if "needs your review" in c.text]
    assert posts
    for call in posts:
        meta = call.params["metadata"]
        assert meta["event_type"] == METADATA_EVENT
        assert meta["event_payload"]["outbox"] in keys


def test_a_thread_reply_whose_answer_was_lost_is_found_in_the_thread(slack: Harness) -> None:
    message = {"type": "message", "user": SUBMITTER, "text": TEXT, "ts": "1700000000.000900"}
    slack.fake.messages[("C0AGENCY", message["ts"])] = dict(message)  # the message submitted
    slack.client.message_shortcut(
        user=SUBMITTER,
        callback_id=ids.SHORTCUT_SUBMIT_MESSAGE,
        message=message,
        channel="C0AGENCY",
    )
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_SUBMIT)
    slack.client.view_submission(
        user=SUBMITTER, view=view, values={ids.BLOCK_BRAND: "acme", ids.BLOCK_PLATFORM: "x"}
    )
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)
    slack.fake.drop_next(1, method="chat.postMessage")
    slack.click(BRAND1, ids.ACTION_APPROVE, draft["id"], 1)
    slack.settle()
    slack.runtime.dispatcher.run_until_idle(slack.clock())
    slack.clock.advance(3600)
    slack.deliver()
    in_thread = [
        c
        for c in slack.fake.calls_to("chat.postMessage")
        if c.params.get("thread_ts") == message["ts"] and "Checking" not in c.text
    ]
    texts = Counter(c.text for c in in_thread)
    assert texts and max(texts.values()) == 1, texts
    assert slack.fake.calls_to("conversations.replies") or slack.fake.calls_to(
        "conversations.history"
    )

"""The outbox dispatcher against a misbehaving Slack: retries, Retry-After, restarts, once only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.slack import ids
from bot.slack.app import build_client
from bot.slack.dispatcher import Dispatcher
from bot.slack.outbox_store import WorkflowOutbox
from bot.workflow.outbox import BACKOFF_MAX_SECONDS, MAX_ATTEMPTS
from tests.slack.brands import BRAND1, BRAND2, SUBMITTER
from tests.slack.harness import Harness

TEXT = "Our new tent is cheap and weighs 900 g."


def queue_drafts(slack: Harness, n: int) -> None:
    """Submit n drafts through Slack; their outbox rows are queued but not delivered yet."""
    for i in range(n):
        resp = slack.submit_modal(SUBMITTER, {ids.BLOCK_TEXT: f"{TEXT} #{i}"})
        assert resp.status == 200
    slack.settle()


def delivered_posts(slack: Harness) -> Counter[tuple[str, str]]:
    """(channel, first line of text) of every successful chat.postMessage by the dispatcher."""
    return Counter(
        (str(c.params["channel"]), c.text)
        for c in slack.fake.calls_to("chat.postMessage")
        if "needs your review" in c.text
    )


def test_slack_down_for_a_while_then_every_message_delivered_exactly_once(slack: Harness) -> None:
    queue_drafts(slack, 3)
    rows = slack.outbox()
    assert len(rows) == 9  # per draft: findings + 2 review requests

    slack.fake.fail_next(27, status=500)
    for _ in range(3):  # three passes during the outage (9 rows each), the clock moving on
        slack.runtime.dispatcher.run_until_idle(slack.clock())
        slack.clock.advance(600)
    assert all(r.delivered_at is None for r in slack.outbox())
    assert slack.fake.calls_to("chat.update") == []

    slack.clock.advance(7200)
    slack.runtime.dispatcher.run_until_idle(slack.clock())
    slack.clock.advance(7200)
    slack.runtime.dispatcher.run_until_idle(slack.clock())

    assert all(r.delivered_at is not None for r in slack.outbox())
    posts = delivered_posts(slack)
    assert sorted(posts.values()) == [1] * 6  # 3 drafts x 2 approvers, once each
    for approver in (BRAND1, BRAND2):
        assert len(slack.review_requests(approver)) == 3
    # the three receipts were each filled with findings once
    assert len(slack.fake.calls_to("chat.update")) == 3


def test_rate_limit_retry_after_is_honoured(slack: Harness) -> None:
    queue_drafts(slack, 1)
    slack.fake.fail_next(1, status=429, retry_after=30, method="chat.postMessage")
    start = slack.clock()
    slack.runtime.dispatcher.run_until_idle(start)
    limited = [r for r in slack.outbox() if r.delivered_at is None]
    assert len(limited) == 1 and "ratelimited" in (limited[0].last_error or "")
    assert limited[0].next_attempt_at is not None
    wait = (limited[0].next_attempt_at - start).total_seconds()
    assert 29 <= wait <= 31

    assert slack.runtime.dispatcher.dispatch_once(start + timedelta(seconds=20)) == 0
    assert slack.runtime.dispatcher.dispatch_once(start + timedelta(seconds=31)) == 1
    assert all(r.delivered_at is not None for r in slack.outbox())
    assert sorted(delivered_posts(slack).values()) == [1, 1]


def test_a_restart_resumes_undelivered_messages(slack: Harness) -> None:
    queue_drafts(slack, 1)
    # A dispatcher claims the rows and dies before sending anything.
    store = WorkflowOutbox(slack.runtime.db)
    claimed = store.claim_due(slack.clock(), 50)
    assert len(claimed) == 3

    fresh = Dispatcher(store, build_client(slack.settings, retries=False))
    assert fresh.dispatch_once(slack.clock()) == 0  # still leased to the dead one
    assert fresh.run_until_idle(slack.clock() + timedelta(seconds=61)) == 3
    assert sorted(delivered_posts(slack).values()) == [1, 1]
    assert fresh.run_until_idle(slack.clock() + timedelta(hours=5)) == 0


def test_background_dispatcher_delivers_at_once_when_notified(slack: Harness) -> None:
    slack.runtime.dispatcher.poll_interval = 3600  # only notify() can wake it in time
    slack.runtime.dispatcher.start()
    try:
        slack.submit_modal(SUBMITTER, {ids.BLOCK_TEXT: TEXT})
        slack.fake.wait_for_call(
            "chat.postMessage",
            lambda c: c.params.get("channel") == BRAND1 and "needs your review" in c.text,
            timeout=10,
        )
    finally:
        slack.runtime.dispatcher.stop()


def test_outcome_falls_back_to_a_dm_when_the_thread_is_unreachable(slack: Harness) -> None:
    slack.fake.channel_errors["C0CUSTOMERS"] = "not_in_channel"
    resp = slack.client.message_shortcut(
        user=SUBMITTER,
        callback_id=ids.SHORTCUT_SUBMIT_MESSAGE,
        channel="C0CUSTOMERS",
        message={"type": "message", "ts": "1700000000.000001", "text": "Hello trail friends."},
    )
    assert resp.status == 200
    slack.settle()
    view = slack.opened_view(callback_id=ids.VIEW_SUBMIT)
    slack.client.view_submission(
        user=SUBMITTER, view=view, values={ids.BLOCK_BRAND: "acme", ids.BLOCK_PLATFORM: "x"}
    )
    slack.deliver()
    draft = slack.latest_draft(SUBMITTER)
    slack.click(BRAND1, ids.ACTION_APPROVE, draft["id"], 1)
    slack.deliver()
    # Receipt and outcome reached the submitter's DM instead of the unreachable channel.
    told = [c.rendered() for c in slack.dms(SUBMITTER)]
    assert any("Checking your draft" in t for t in told)
    thread_ts = slack.dms(SUBMITTER)[0].response["ts"]
    replies = [
        c.rendered()
        for c in slack.fake.calls_to("chat.postMessage")
        if c.params.get("thread_ts") == thread_ts
    ]
    assert any("Approved" in r for r in replies), replies
    assert all(r.delivered_at is not None for r in slack.outbox())


class CountingStore(WorkflowOutbox):
    """The real store, remembering how deliveries were recorded."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.batches: list[list[int]] = []

    def mark_delivered(self, item_id: int, result: Mapping[str, Any], now: datetime) -> None:
        raise AssertionError("the dispatcher records deliveries per pass")

    def mark_delivered_many(
        self, deliveries: list[tuple[int, Mapping[str, Any]]], now: datetime
    ) -> None:
        self.batches.append([item_id for item_id, _ in deliveries])
        super().mark_delivered_many(deliveries, now)


def test_one_pass_records_its_deliveries_together(slack: Harness) -> None:
    queue_drafts(slack, 1)
    draft = slack.latest_draft(SUBMITTER)
    # Decided before anything went out: the same pass posts the review requests and then edits
    # them (decision_made), which needs the ts of messages sent earlier in that pass.
    slack.runtime.backend.service.approve(draft["id"], actor=BRAND1)
    store = CountingStore(slack.runtime.db)
    dispatcher = Dispatcher(store, build_client(slack.settings, retries=False), workers=1)
    rows = slack.outbox()
    assert dispatcher.dispatch_once(slack.clock()) == len(rows)
    assert [sorted(b) for b in store.batches] == [sorted(r.id for r in rows)]
    assert all(r.delivered_at is not None for r in slack.outbox())
    for approver in (BRAND1, BRAND2):
        (request,) = slack.review_requests(approver) or slack.dms(approver)
        edits = [
            c
            for c in slack.fake.calls_to("chat.update")
            if c.params["channel"] == request.response["channel"]
            and c.params["ts"] == request.response["ts"]
        ]
        assert edits and f"<@{BRAND1}>" in edits[-1].rendered()
    assert dispatcher.dispatch_once(slack.clock() + timedelta(hours=1)) == 0


def test_a_long_outage_is_retried_past_any_attempt_limit(slack: Harness) -> None:
    queue_drafts(slack, 1)
    slack.fake.fail_next(3 * (MAX_ATTEMPTS + 3), status=500)
    for _ in range(MAX_ATTEMPTS + 3):
        slack.runtime.dispatcher.run_until_idle(slack.clock())
        slack.clock.advance(BACKOFF_MAX_SECONDS + 1)
    assert all(r.delivered_at is None and r.attempts > MAX_ATTEMPTS for r in slack.outbox())
    assert all(r.next_attempt_at is not None for r in slack.outbox())
    slack.runtime.dispatcher.run_until_idle(slack.clock())
    assert all(r.delivered_at is not None for r in slack.outbox())
    assert sorted(delivered_posts(slack).values()) == [1, 1]


def test_a_permanent_error_gives_up_with_the_error_recorded(slack: Harness) -> None:
    slack.fake.channel_errors[BRAND2] = "channel_not_found"
    queue_drafts(slack, 1)
    slack.runtime.dispatcher.run_until_idle(slack.clock())
    rows = {r.recipient: r for r in slack.outbox() if r.kind == "review_request"}
    failed = rows[BRAND2]
    assert failed.delivered_at is None and failed.next_attempt_at is None
    assert failed.last_error == "slack: channel_not_found"
    assert rows[BRAND1].delivered_at is not None
    # never tried again, however long we wait
    posts_before = len(slack.fake.calls_to("chat.postMessage", ok_only=False))
    assert slack.runtime.dispatcher.run_until_idle(slack.clock() + timedelta(days=3)) == 0
    assert len(slack.fake.calls_to("chat.postMessage", ok_only=False)) == posts_before

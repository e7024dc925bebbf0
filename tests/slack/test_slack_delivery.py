"""The outbox dispatcher against a misbehaving Slack: retries, Retry-After, restarts, once only."""

from __future__ import annotations

import itertools
import json
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from slack_sdk import WebClient

from bot.cli.main import main
from bot.slack import ids
from bot.slack.app import build_client
from bot.slack.dispatcher import Dispatcher
from bot.slack.outbox_store import WorkflowOutbox, outbox_health
from bot.workflow.outbox import BACKOFF_MAX_SECONDS, MAX_ATTEMPTS
from tests.slack.brands import BRAND1, BRAND2, SUBMITTER
from tests.slack.fake_slack import FakeSlack, RateLimits
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


def test_after_a_429_no_call_of_that_method_before_retry_after(slack: Harness) -> None:
    # defect 6: the dispatcher kept calling chat.postMessage 3-18 ms after a 429
    queue_drafts(slack, 1)
    slack.fake.fail_next(1, status=429, retry_after=30, method="chat.postMessage")
    start = slack.clock()
    slack.runtime.dispatcher.run_until_idle(start)
    posts = slack.fake.calls_to("chat.postMessage", ok_only=False)
    limited = [i for i, c in enumerate(posts) if c.status == 429]
    assert len(limited) == 1 and posts[limited[0]] is posts[-1]  # nothing after the 429
    waiting = [r for r in slack.outbox() if r.delivered_at is None]
    assert len(waiting) == 2 and all(r.last_error is None for r in waiting)
    assert all(r.attempts == 0 for r in waiting)  # a rate limit is not a failed attempt
    assert {(r.next_attempt_at - start).total_seconds() for r in waiting} == {30.0}
    # chat.update (another method) went on: the receipt was filled
    assert len(slack.fake.calls_to("chat.update")) == 1

    assert slack.runtime.dispatcher.dispatch_once(start + timedelta(seconds=29)) == 0
    assert slack.runtime.dispatcher.run_until_idle(start + timedelta(seconds=30)) == 2
    assert all(r.delivered_at is not None for r in slack.outbox())
    assert sorted(delivered_posts(slack).values()) == [1] * 2


def test_messages_to_one_channel_are_paced_to_one_a_second(
    fake_slack: FakeSlack, db_url: str, guidelines_dir: Path
) -> None:
    # defect 6: 30 review DMs to one approver went out at about 160 a second
    fake_slack.rate_limits = RateLimits()
    slack = Harness(fake_slack, db_url, guidelines_dir, paced=True)
    try:
        for i in range(15):
            slack.runtime.backend.service.submit(
                submitter=SUBMITTER, brand="acme", platform="x", text=f"{TEXT} #{i}"
            )
        for _ in range(40):  # the clock moves a second between passes
            slack.runtime.dispatcher.run_until_idle(slack.clock())
            slack.clock.advance(1)
        assert all(r.delivered_at is not None for r in slack.outbox())
        assert fake_slack.limits_hit == 0
        for approver in (BRAND1, BRAND2):
            times = [c.clock_at for c in slack.review_requests(approver)]
            assert len(times) == 15
            # one a second (each gap measured from a pass's start, so a little jitter)
            assert all(b - a >= 0.9 for a, b in itertools.pairwise(times)), times
            assert times[-1] - times[0] >= 14 * 0.99
    finally:
        slack.close()


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


class Crash(BaseException):
    """The process dies (kill -9): nothing after this point runs, not even `finally`."""


class DyingStore(WorkflowOutbox):
    """The real store, until the process dies: then nothing reaches the database."""

    dead = False

    def __getattribute__(self, name: str) -> Any:
        writes = ("mark_delivered", "mark_delivered_many", "mark_failed", "release", "renew")
        if name in writes and object.__getattribute__(self, "dead"):
            raise Crash()
        return object.__getattribute__(self, name)


class DyingClient(WebClient):
    """Slack receives the `after`-th chat.postMessage, then the process dies."""

    def __init__(self, store: DyingStore, after: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.store, self.after, self.posts = store, after, 0

    def api_call(self, api_method: str, **kw: Any) -> Any:  # type: ignore[override]
        response = super().api_call(api_method, **kw)
        if api_method == "chat.postMessage":
            self.posts += 1
            if self.posts == self.after:
                self.store.dead = True
                raise Crash()
        return response


def _client_kw(slack: Harness) -> dict[str, Any]:
    return {"token": slack.settings.slack_bot_token, "base_url": slack.fake.url}


def unpaced(store: WorkflowOutbox, client: WebClient, **kw: Any) -> Dispatcher:
    """A dispatcher of another process (pacing is not what these tests are about)."""
    return Dispatcher(store, client, seconds_per_message=0, **kw)


def test_a_crash_mid_pass_repeats_at_most_the_message_in_flight(slack: Harness) -> None:
    # defect 8: deliveries were recorded at the end of a pass, so kill -9 sent them all again
    queue_drafts(slack, 4)  # 8 review requests, 4 receipts to fill
    store = DyingStore(slack.runtime.db)
    dying = unpaced(store, DyingClient(store, after=5, **_client_kw(slack)), workers=1)
    with pytest.raises(Crash):
        dying.dispatch_once(slack.clock())
    # after the lease, another process delivers what is left
    fresh = unpaced(WorkflowOutbox(slack.runtime.db), build_client(slack.settings, retries=False))
    assert fresh.run_until_idle(slack.clock()) == 0  # still leased to the dead one
    fresh.run_until_idle(slack.clock() + timedelta(seconds=61))
    assert all(r.delivered_at is not None for r in slack.outbox())
    posts = delivered_posts(slack)
    assert sum(posts.values()) - len(posts) <= 1, posts  # only the one in flight, once
    assert len(posts) == 8


class SlowClient(WebClient):
    """Slack takes 25 s per call (on the test's clock); meanwhile another process runs a pass."""

    def __init__(self, slack: Harness, other: Dispatcher, **kw: Any) -> None:
        super().__init__(**kw)
        self.slack, self.other = slack, other

    def api_call(self, api_method: str, **kw: Any) -> Any:  # type: ignore[override]
        response = super().api_call(api_method, **kw)
        self.slack.clock.advance(25)
        self.other.dispatch_once()
        return response


def test_a_pass_longer_than_its_lease_is_not_taken_over(slack: Harness) -> None:
    # defect 8: with Slack answering slowly, a second process re-claimed a pass still under way
    queue_drafts(slack, 3)
    other = unpaced(
        WorkflowOutbox(slack.runtime.db), build_client(slack.settings, retries=False), workers=1
    )
    other.clock = slack.clock
    slow = unpaced(
        WorkflowOutbox(slack.runtime.db),
        SlowClient(slack, other, **_client_kw(slack)),
        workers=1,
    )
    slow.clock = slack.clock
    assert slow.dispatch_once() == 9  # 9 calls: 225 s, well past the 60 s lease
    assert all(r.delivered_at is not None for r in slack.outbox())
    assert sorted(delivered_posts(slack).values()) == [1] * 6
    assert len(slack.fake.calls_to("chat.update")) == 3


def test_each_delivery_is_recorded_as_it_happens(slack: Harness) -> None:
    queue_drafts(slack, 1)
    seen: list[int] = []

    class Recording(WorkflowOutbox):
        def mark_delivered(self, item_id: int, result: Mapping[str, Any], now: datetime) -> None:
            # the previous rows are in the database already when this one is recorded
            delivered = {r.id for r in slack.outbox() if r.delivered_at is not None}
            assert delivered == set(seen)
            seen.append(item_id)
            super().mark_delivered(item_id, result, now)

    dispatcher = Dispatcher(
        Recording(slack.runtime.db), build_client(slack.settings, retries=False), workers=1
    )
    assert dispatcher.dispatch_once(slack.clock()) == 3
    assert sorted(seen) == sorted(r.id for r in slack.outbox())


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


def test_a_message_slack_refuses_is_a_dead_letter_an_operator_can_retry(
    slack: Harness, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # defect 5: msg_blocks_too_long was retried for ever
    slack.fake.channel_errors[BRAND2] = "msg_blocks_too_long"
    queue_drafts(slack, 1)
    slack.runtime.dispatcher.run_until_idle(slack.clock())
    (failed,) = [r for r in slack.outbox() if r.recipient == BRAND2]
    assert (failed.delivered_at, failed.next_attempt_at) == (None, None)
    assert failed.last_error == "slack: msg_blocks_too_long" and failed.attempts == 1
    assert slack.runtime.dispatcher.run_until_idle(slack.clock() + timedelta(days=1)) == 0

    assert outbox_health(slack.runtime.db) == {"pending": 0, "failed": 1, "oldest_due_seconds": 0.0}
    try:  # 503 here: the test drives the dispatcher itself, so its thread is not running
        health = urllib.request.urlopen(slack.server.url + "/healthz", timeout=5).read()
    except urllib.error.HTTPError as err:
        health = err.read()
    assert json.loads(health)["outbox"]["failed"] == 1  # operators see the dead letter
    assert main(["outbox", "list", "--failed", "--format", "json", "--database-url", db_url]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    shown = json.loads(line)
    assert (shown["id"], shown["state"], shown["last_error"]) == (
        failed.id,
        "failed",
        "slack: msg_blocks_too_long",
    )
    # the operator fixes the cause, then retries: delivered once
    del slack.fake.channel_errors[BRAND2]
    assert main(["outbox", "retry", str(failed.id), "--database-url", db_url]) == 0
    assert main(["outbox", "retry", str(failed.id), "--database-url", db_url]) == 2  # not failed
    slack.runtime.dispatcher.run_until_idle(slack.clock() + timedelta(seconds=1))
    assert all(r.delivered_at is not None for r in slack.outbox())
    assert len(slack.review_requests(BRAND2)) == 1
    assert main(["outbox", "list", "--failed", "--database-url", db_url]) == 0
    assert "no failed messages" in capsys.readouterr().out


def test_an_error_that_keeps_coming_back_ends_in_the_dead_letter(slack: Harness) -> None:
    queue_drafts(slack, 1)
    # an answer Slack gives with HTTP 200 (not an outage), and that is not known to be permanent
    slack.fake.fail_next(3 * MAX_ATTEMPTS, status=200, method="chat.postMessage")
    for _ in range(MAX_ATTEMPTS + 2):
        slack.runtime.dispatcher.run_until_idle(slack.clock())
        slack.clock.advance(BACKOFF_MAX_SECONDS + 1)
    requests = [r for r in slack.outbox() if r.kind == "review_request"]
    assert all(r.next_attempt_at is None and r.delivered_at is None for r in requests)
    assert all(r.attempts == MAX_ATTEMPTS for r in requests)
    assert outbox_health(slack.runtime.db)["failed"] == 2

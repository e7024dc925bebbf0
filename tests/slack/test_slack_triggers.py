"""Issue 11, defect 7: a form opens within its trigger's 3 seconds even while Slack rate-limits
the app and every lazy worker is busy with submissions.

Before the fix the listener client slept through each 429's Retry-After inside the lazy workers,
and the forms were opened by lazy listeners queued behind those sleeps: a Reject click reached
views.open 4.13 s after the click, and Slack answered `expired_trigger_id`. Now the forms open
just after the ack on the form opener's own threads (bot/slack/form_opening.py), nothing in a
listener sleeps on a rate limit, and a rate-limited receipt is left to the dispatcher (which
honours Retry-After).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack import ids
from tests.slack.brands import BRAND1, SUBMITTER
from tests.slack.fake_slack import FakeSlack, RateLimits
from tests.slack.harness import Harness

DRAFTS = 20


@pytest.fixture
def limited(db_url: str, guidelines_dir: Path) -> Iterator[Harness]:
    with FakeSlack() as fake:
        # four lazy workers, as `serve` runs them (bot/slack/app.py LAZY_WORKERS)
        harness = Harness(fake, db_url, guidelines_dir, workers=4)
        yield harness
        harness.close()


def test_a_reject_form_opens_while_receipts_are_rate_limited(limited: Harness) -> None:
    h = limited
    h.client.command(ids.CMD_DRAFT, "acme x Our trail mix, first batch", user=SUBMITTER)
    h.deliver()
    first = h.latest_draft(SUBMITTER)["id"]
    assert h.review_requests(BRAND1)

    # Slack now allows one message a second in the submitter's DM: most receipts get a 429.
    h.fake.rate_limits = RateLimits(channel_per_second=1.0, channel_burst=1)
    for n in range(DRAFTS):
        resp = h.client.command(ids.CMD_DRAFT, f"acme x Trail mix batch {n:02d}", user=SUBMITTER)
        assert resp.status == 200 and resp.seconds < 3.0
    h.click(BRAND1, ids.ACTION_REJECT, first, 1)
    h.wait_forms()  # the form opener only: the lazy workers may still be busy with submissions

    opened = h.fake.calls_to("views.open", ok_only=False)
    assert [c.error for c in opened] == [None], [c.response for c in opened]
    assert h.fake.trigger_expiries == 0
    h.settle()
    assert h.fake.limits_hit > 0, "the test must actually hit Slack's rate limit"
    assert h.fake.trigger_expiries == 0

    # Every submission went through; the dispatcher posts each one's findings exactly once.
    drafts = h.runtime.backend.service.list(submitter=SUBMITTER, limit=DRAFTS + 5)
    assert len(drafts) == DRAFTS + 1
    for _ in range(120):
        h.runtime.dispatcher.run_until_idle(h.clock())
        if h.runtime.dispatcher.store.pending() == 0:  # type: ignore[attr-defined]
            break
        h.clock.advance(1.0)
    assert h.runtime.dispatcher.store.pending() == 0  # type: ignore[attr-defined]
    for n in range(DRAFTS):
        text = f"Trail mix batch {n:02d}"
        calls = [c for c in h.fake.calls if c.ok and text in c.rendered()]
        posted = [
            c
            for c in calls
            if c.method == "chat.postMessage" and c.params.get("channel") == SUBMITTER
        ]
        updated = [c for c in calls if c.method == "chat.update"]
        assert len(posted) + len(updated) >= 1, f"no findings for {text}"
        assert len(posted) <= 1, f"findings for {text} posted {len(posted)} times"
        assert len(h.review_requests(BRAND1)) >= 1


def test_the_draft_form_opens_at_once_beside_busy_workers(limited: Harness) -> None:
    h = limited
    h.fake.rate_limits = RateLimits(channel_per_second=1.0, channel_burst=1)
    for n in range(8):
        h.client.command(ids.CMD_DRAFT, f"acme x Batch {n}", user=SUBMITTER)
    resp = h.client.command(ids.CMD_DRAFT, "", user=SUBMITTER)
    assert resp.status == 200
    # acked first, then opened on the form threads, never queued behind the submissions
    h.forms.wait_idle()
    assert [c.error for c in h.fake.calls_to("views.open", ok_only=False)] == [None]
    h.settle()
    assert h.fake.trigger_expiries == 0

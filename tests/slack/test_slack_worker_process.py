"""`serve --http`'s two processes (bot/slack/worker_process.py): the HTTP process stores and
acks, the worker process does the work, once, and comes back when it dies.

These run the HTTP side (a real Bolt app over HTTP in hand-over mode) with the worker's
pick-up (the same InboxWorker.drain the worker process loops on) called in the test's own
process. Nothing sleeps: the lazy listeners are awaited through the harness (settle).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.slack import ids
from models import Draft, InboxItem
from tests.slack.brands import BRAND1, BRAND2, SUBMITTER
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import Harness

#: a spawned worker imports the app and spaCy and migrates nothing; generous on a busy machine
START_TIMEOUT = 120.0


class Wakes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


@pytest.fixture
def wakes() -> Wakes:
    return Wakes()


@pytest.fixture
def http_side(
    fake_slack: FakeSlack, db_url: str, guidelines_dir: Path, wakes: Wakes
) -> Iterator[Harness]:
    """The HTTP process of `serve --http`: acks hand their rows over, its dispatcher idle."""
    harness = Harness(fake_slack, db_url, guidelines_dir, handover=True, notify=wakes)
    yield harness
    harness.close()


def _rows(slack: Harness) -> list[InboxItem]:
    assert slack.runtime.inbox is not None
    with slack.runtime.inbox.db.reading() as s:
        return list(s.scalars(select(InboxItem).order_by(InboxItem.id)))


def _drafts(slack: Harness) -> int:
    with slack.runtime.db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(Draft)) or 0)


def _pick_up(slack: Harness) -> int:
    worker = slack.runtime.inbox_worker
    assert worker is not None
    return worker.drain()


def test_a_direct_draft_is_stored_unclaimed_and_left_to_the_worker(
    http_side: Harness, wakes: Wakes
) -> None:
    resp = http_side.client.command(ids.CMD_DRAFT, "acme x Our new tents are in.", user=SUBMITTER)
    assert resp.status == 200 and "Submitting" in resp.json()["text"]
    http_side.settle()  # the lazy listener ran, and did nothing
    assert _drafts(http_side) == 0
    (row,) = _rows(http_side)
    assert (row.attempts, row.claim_token, row.done_at) == (0, None, None)
    assert wakes.count >= 1  # the worker was woken when the row was stored

    # The worker's pick-up: no lease to wait for, the row is claimed at once and done once.
    assert _pick_up(http_side) == 1
    assert _pick_up(http_side) == 0
    assert _drafts(http_side) == 1
    http_side.deliver()
    assert len(http_side.review_requests(BRAND1)) == 1
    assert len(http_side.review_requests(BRAND2)) == 1
    (row,) = _rows(http_side)
    assert row.done_at is not None and row.attempts == 1 and row.last_error is None


def test_a_form_submission_is_left_to_the_worker_too(http_side: Harness) -> None:
    resp = http_side.submit_modal(SUBMITTER, {ids.BLOCK_TEXT: "Our new tent weighs 900 g."})
    assert resp.status == 200
    http_side.settle()
    assert _drafts(http_side) == 0
    assert _pick_up(http_side) == 1
    assert _drafts(http_side) == 1
    assert http_side.latest_draft(SUBMITTER)["text"] == "Our new tent weighs 900 g."


def test_a_burst_larger_than_one_claim_is_all_picked_up_once(http_side: Harness) -> None:
    for i in range(25):  # more than claim_expired's batch of 20
        resp = http_side.client.command(ids.CMD_DRAFT, f"acme x Tent {i} is in.", user=SUBMITTER)
        assert resp.status == 200
    http_side.settle()
    assert _pick_up(http_side) == 25
    assert _drafts(http_side) == 25
    assert all(row.done_at is not None for row in _rows(http_side))


def test_a_row_not_stored_is_still_done_by_the_http_process(
    http_side: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refusing the ack's INSERT loses nothing: the lazy listener does the work."""
    inbox = http_side.runtime.inbox
    assert inbox is not None

    def refused(*args: object, **kwargs: object) -> None:
        raise OSError("inbox database away")

    monkeypatch.setattr(inbox, "accept", refused)
    resp = http_side.client.command(ids.CMD_DRAFT, "acme x Our new tents are in.", user=SUBMITTER)
    assert resp.status == 200
    http_side.settle()
    assert _drafts(http_side) == 1
    assert _rows(http_side) == []


def test_the_worker_process_yields_the_cpu_to_the_acks() -> None:
    """worker_main lowers its own priority by WORKER_NICENESS (checked in a child process, as
    niceness can only go up: the test's own process keeps its priority)."""
    import os
    import subprocess
    import sys

    from bot.slack.worker_process import WORKER_NICENESS

    code = (
        "import os; from bot.slack.worker_process import _lower_priority as f; "
        "f({}); print(os.nice(0))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code.format(WORKER_NICENESS)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout
    assert int(out) == min(19, os.nice(0) + WORKER_NICENESS)

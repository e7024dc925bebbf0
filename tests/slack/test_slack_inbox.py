"""The durable inbox (bot/slack/inbox.py): what the ack accepted survives the lazy work dying.

A process "dies after the ack" here by an executor that drops the lazy listeners Bolt hands it:
Slack has its answer, nothing ran. The inbox worker of another process (a second `InboxWorker`
with its own token, as a restarted replica has) then finds the row once its lease ran out.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.slack import ids
from bot.slack.inbox import (
    ACK_POOL_SIZE,
    KIND_DRAFT_COMMAND,
    MAX_ATTEMPTS,
    PG_ACK_WRITERS,
    Inbox,
    inbox_database,
)
from bot.slack.inbox_worker import InboxWorker
from bot.slack.listeners.commands.draft import process_draft
from bot.slack.services import Services
from models import Draft, InboxItem
from models.base import utcnow
from models.db import Database
from tests.slack.brands import BRAND1, SUBMITTER
from tests.slack.harness import Harness


def _die_after_the_ack(slack: Harness) -> list[Any]:
    dropped: list[Any] = []
    slack.executor.submit = lambda fn, *a, **k: dropped.append(fn)  # type: ignore[method-assign]
    return dropped


def _other_process(slack: Harness) -> InboxWorker:
    rt = slack.runtime
    assert rt.inbox is not None
    inbox = Inbox(rt.inbox.db)
    services = Services(backend=rt.backend, notify=rt.dispatcher.notify, inbox=inbox)
    return InboxWorker(inbox, services, lambda team: rt.app.client)


def _rows(slack: Harness) -> list[InboxItem]:
    assert slack.runtime.inbox is not None
    with slack.runtime.inbox.db.reading() as s:
        return list(s.scalars(select(InboxItem).order_by(InboxItem.id)))


def _drafts(slack: Harness) -> int:
    with slack.runtime.db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(Draft)) or 0)


def _later(slack: Harness, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the inbox's clock on (leases are measured against utcnow)."""
    when = utcnow() + timedelta(seconds=seconds)
    monkeypatch.setattr("bot.slack.inbox.utcnow", lambda: when)


def test_a_direct_draft_acked_by_a_process_that_died_is_submitted_once_by_another(
    slack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    dropped = _die_after_the_ack(slack)
    resp = slack.client.command(ids.CMD_DRAFT, "acme x Our new tents are in.", user=SUBMITTER)
    assert resp.status == 200 and "Submitting" in resp.json()["text"]
    assert dropped and _drafts(slack) == 0
    (row,) = _rows(slack)
    assert (row.kind, row.user_id, row.done_at) == ("draft_command", SUBMITTER, None)

    other = _other_process(slack)
    assert other.tick() == 0  # the lease of the process that acked has not run out
    _later(slack, monkeypatch, other.inbox.lease_seconds + 1)
    assert other.tick() == 1
    assert other.tick() == 0  # done: never again
    slack.deliver()
    assert _drafts(slack) == 1
    assert slack.latest_draft(SUBMITTER)["text"] == "Our new tents are in."
    assert len(slack.review_requests(BRAND1)) == 1
    (row,) = _rows(slack)
    assert row.done_at is not None and row.last_error is None and row.attempts == 2


def test_a_form_acked_by_a_process_that_died_is_submitted_once_by_another(
    slack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = slack.open_draft_modal(SUBMITTER)
    dropped = _die_after_the_ack(slack)
    values = {ids.BLOCK_BRAND: "acme", ids.BLOCK_PLATFORM: "x", ids.BLOCK_TEXT: "Tents are in."}
    resp = slack.client.view_submission(user=SUBMITTER, view=view, values=values)
    assert resp.status == 200 and dropped and _drafts(slack) == 0
    _later(slack, monkeypatch, 3600)
    assert _other_process(slack).tick() == 1
    slack.deliver()
    assert _drafts(slack) == 1
    assert slack.latest_draft(SUBMITTER)["text"] == "Tents are in."


def test_work_done_twice_creates_one_draft(slack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lease that ran out under a slow worker: the lazy listener and another process both do
    the row's work. The row's key is the submission's idempotency key: one draft."""
    dropped = _die_after_the_ack(slack)
    slack.client.command(ids.CMD_DRAFT, "acme x Twice is once.", user=SUBMITTER)
    (row,) = _rows(slack)
    _later(slack, monkeypatch, 3600)
    assert _other_process(slack).tick() == 1
    # ... and the slow lazy listener of the first process finishes too
    svc = Services(backend=slack.runtime.backend, notify=lambda: None)
    process_draft(svc, slack.runtime.app.client, row.payload)
    for fn in dropped:
        # As on the executor's own thread: what the listener sets (its origin) stays there.
        contextvars.copy_context().run(fn)
    slack.deliver()
    assert _drafts(slack) == 1
    assert len(slack.review_requests(BRAND1)) == 1


def test_a_live_process_renews_its_claims_and_a_row_that_never_finishes_is_given_up(
    slack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _die_after_the_ack(slack)
    slack.client.command(ids.CMD_DRAFT, "acme x Still mine.", user=SUBMITTER)
    mine = slack.runtime.inbox
    assert mine is not None
    assert mine.in_hand() == 1
    _later(slack, monkeypatch, mine.lease_seconds - 1)
    assert mine.renew() == 1  # alive: the lease moves on, nobody else takes the row
    _later(slack, monkeypatch, mine.lease_seconds + 1)
    assert _other_process(slack).inbox.claim_expired() == []

    other = _other_process(slack).inbox
    for n in range(MAX_ATTEMPTS):  # each time, the work kills the process that claimed it
        _later(slack, monkeypatch, (n + 2) * 3600)
        assert len(other.claim_expired()) == (1 if n < MAX_ATTEMPTS - 1 else 0)
    (row,) = _rows(slack)
    assert row.done_at is not None and row.last_error and "gave up" in row.last_error
    assert _drafts(slack) == 0


def test_the_inbox_never_shares_the_workflows_write_lock_or_pool(slack: Harness) -> None:
    """SQLite: a file of its own (one write lock per file); PostgreSQL: its own pool."""
    rt = slack.runtime
    assert rt.inbox is not None
    assert rt.inbox.db.engine is not rt.db.engine
    if rt.db.is_sqlite:
        assert rt.inbox.db.url != rt.db.url and rt.inbox.db.url.endswith("-inbox")
    else:
        assert rt.inbox.db.url == rt.db.url


def test_the_ack_pool_is_open_before_the_first_burst(slack: Harness) -> None:
    """Every connection a burst of acks needs is open already: none is made inside an ack, and
    the pool keeps them all (overflow connections would be closed again after each burst)."""
    rt = slack.runtime
    assert rt.inbox is not None
    pool: Any = rt.inbox.ack_engine.pool
    # PostgreSQL: one connection per group-commit writer, the only users of this pool
    expected = ACK_POOL_SIZE if rt.db.is_sqlite else PG_ACK_WRITERS
    assert pool.size() == expected
    assert pool.checkedin() >= expected


def test_a_burst_of_acks_on_sqlite_never_waits_in_sqlites_busy_handler(tmp_path: Any) -> None:
    """The writers of one process take turns on the inbox's own lock. With SQLite's busy
    timeout at 0, a writer that found the file locked would fail at once; none does."""
    db = inbox_database(Database(f"sqlite:///{tmp_path / 'app.db'}", upgrade=False))

    @event.listens_for(db.engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 0")

    db.engine.dispose()  # the pre-opened connections had the 60 s timeout
    inbox = Inbox(db)
    threads, per_thread = 16, 15

    def acks(t: int) -> None:
        for i in range(per_thread):
            key = f"cmd:T{t}-{i}"
            inbox.accept(key, KIND_DRAFT_COMMAND, user="U1", team=None, payload={"i": i})
            inbox.done(key)
            inbox.renew()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(acks, range(threads)))  # re-raises a "database is locked"
    with db.reading() as s:
        done = s.scalar(
            select(func.count()).select_from(InboxItem).where(InboxItem.done_at.isnot(None))
        )
    assert done == threads * per_thread
    db.dispose()

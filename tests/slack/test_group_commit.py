"""Group commit (bot/slack/group_commit.py) and the inbox's use of it (bot/slack/inbox.py).

No timing is relied on: a write is held open with an Event while other submits queue behind
it, so "these rows went into one batch" is made true by construction, not by luck.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import event, func, select

from bot.slack.group_commit import GroupCommit, GroupCommitClosed, GroupCommitFailed
from bot.slack.inbox import KIND_DRAFT_COMMAND, Inbox, inbox_database
from models import InboxItem
from models.db import Database
from tests.slack.harness import Harness


class _Gate:
    """A write that blocks until released, recording each batch it was given."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_next: BaseException | None = None

    def write(self, items: Sequence[int]) -> None:
        self.entered.set()
        self.release.wait()
        if self.fail_next is not None:
            err, self.fail_next = self.fail_next, None
            raise err
        self.batches.append(list(items))


def _queued(gc: GroupCommit[Any], count: int) -> None:
    """Wait (on the condition, not on a clock) until `count` submits are queued."""
    with gc._cond:
        assert gc._cond.wait_for(lambda: len(gc._pending) >= count, timeout=10)


def test_rows_arriving_during_a_commit_share_the_next_one() -> None:
    gate = _Gate()
    gc: GroupCommit[int] = GroupCommit(gate.write)
    with ThreadPoolExecutor(21) as pool:
        first = pool.submit(gc.submit, 0)
        assert gate.entered.wait(10)  # row 0's commit is under way, held open
        rest = [pool.submit(gc.submit, i) for i in range(1, 21)]
        _queued(gc, 20)
        assert not any(f.done() for f in [first, *rest])  # nobody acked before a commit
        gate.release.set()
        for f in [first, *rest]:
            f.result(10)
    gc.close()
    assert gate.batches == [[0], list(range(1, 21))]  # 2 commits for 21 requests
    assert (gc.batches, gc.rows) == (2, 21)


def test_a_failed_commit_fails_every_waiter_of_its_batch_and_only_those() -> None:
    """Row 0 commits alone; rows 1-5 queue behind it and go in one batch, which fails (it holds
    row 3, which the write refuses): all five fail, not only row 3, since none is stored."""
    gate = _Gate()

    def write(items: Sequence[int]) -> None:
        gate.write(items)
        if 3 in items:
            gate.batches.pop()
            raise OSError("disk full")

    gc: GroupCommit[int] = GroupCommit(write)
    with ThreadPoolExecutor(6) as pool:
        first = pool.submit(gc.submit, 0)
        assert gate.entered.wait(10)
        doomed = [pool.submit(gc.submit, i) for i in range(1, 6)]
        _queued(gc, 5)
        gate.release.set()
        first.result(10)
        errors = [f.exception(10) for f in doomed]
    assert all(isinstance(e, GroupCommitFailed) for e in errors)
    assert all(isinstance(e.__cause__, OSError) for e in errors if e is not None)
    assert gate.batches == [[0]]
    gc.submit(99)  # the next row is written normally
    gc.close()
    assert gate.batches == [[0], [99]]


def test_a_failing_write_never_acks() -> None:
    def broken(items: Sequence[int]) -> None:
        raise RuntimeError("connection refused")

    gc: GroupCommit[int] = GroupCommit(broken)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(gc.submit, i) for i in range(8)]
        errors = [f.exception(10) for f in futures]
    gc.close()
    assert all(isinstance(e, GroupCommitFailed) for e in errors)
    assert len({id(e) for e in errors}) == 8  # one exception per waiter, never shared
    assert (gc.batches, gc.rows) == (0, 0)


def test_several_writers_commit_side_by_side_and_batch_when_all_are_busy() -> None:
    gate = _Gate()
    gc: GroupCommit[int] = GroupCommit(gate.write, writers=3)
    with ThreadPoolExecutor(13) as pool:
        futures = [pool.submit(gc.submit, i) for i in range(13)]
        with gc._cond:  # up to three batches held in write (one per writer), the rest queued
            assert gc._cond.wait_for(lambda: len(gc._pending) + gc.in_flight == 13, timeout=10)
        assert not any(f.done() for f in futures)
        gate.release.set()
        for f in futures:
            f.result(10)
    gc.close()
    assert sorted(i for b in gate.batches for i in b) == list(range(13))
    assert len(gate.batches) <= 4  # 3 held batches, then at most one for the rest


def test_batches_are_bounded_and_close_drains_then_refuses() -> None:
    gate = _Gate()
    gc: GroupCommit[int] = GroupCommit(gate.write, max_batch=4)
    with ThreadPoolExecutor(11) as pool:
        first = pool.submit(gc.submit, 0)
        assert gate.entered.wait(10)
        rest = [pool.submit(gc.submit, i) for i in range(1, 11)]
        _queued(gc, 10)
        closer = threading.Thread(target=gc.close)
        closer.start()  # closing while rows are queued: they are still written
        gate.release.set()
        for f in [first, *rest]:
            f.result(10)
        closer.join(10)
    assert [len(b) for b in gate.batches] == [1, 4, 4, 2]
    assert sorted(i for b in gate.batches for i in b) == list(range(11))
    with pytest.raises(GroupCommitClosed):
        gc.submit(11)


def _count(db: Database) -> int:
    with db.reading() as s:
        return int(s.scalar(select(func.count()).select_from(InboxItem)) or 0)


def test_concurrent_accepts_are_all_durable_in_few_commits(slack: Harness) -> None:
    """Many acks at once through the real inbox database (SQLite file or PostgreSQL): every row
    is stored, each accept returned only after its row's commit, and commits < accepts."""
    assert slack.runtime.inbox is not None
    inbox = Inbox(slack.runtime.inbox.db)
    inserts: list[int] = []
    first_entered, release = threading.Event(), threading.Event()

    # One INSERT per transaction (one statement that commits on its own, on both), so INSERTs
    # count commits. Every INSERT is held until all 40 accepts are in a held batch or queued:
    # each writer thread holds one batch, the rest then share one more commit.
    @event.listens_for(inbox.ack_engine, "before_execute")
    def _before(conn: Any, clauseelement: Any, *args: Any) -> None:
        if getattr(clauseelement, "is_insert", False):
            inserts.append(1)
            first_entered.set()
            release.wait(30)

    returned: list[str] = []
    lock = threading.Lock()
    gate = threading.Barrier(40)

    def ack(i: int) -> None:
        gate.wait()
        key = f"cmd:burst-{i}"
        inbox.accept(key, KIND_DRAFT_COMMAND, user="U1", team=None, payload={"i": i})
        # the row is readable (committed) by another connection once accept returns
        with inbox.db.reading() as s:
            assert s.scalar(select(InboxItem.id).where(InboxItem.key == key)) is not None
        with lock:
            returned.append(key)

    with ThreadPoolExecutor(40) as pool:
        futures = [pool.submit(ack, i) for i in range(40)]
        assert first_entered.wait(30)
        gc = inbox._committer
        with gc._cond:  # every accept is either in the held batch or queued behind it
            assert gc._cond.wait_for(lambda: len(gc._pending) + gc.in_flight == 40, timeout=30)
        assert not returned  # the first commit is held: no accept has returned
        release.set()
        for f in futures:
            f.result(30)
    inbox.close()
    assert len(returned) == 40 and _count(inbox.db) == 40
    # 40 concurrent accepts: at most one commit per writer thread plus one, never 40
    assert len(inserts) <= inbox._committer.writers + 1
    assert inbox._committer.rows == 40 and inbox._committer.batches == len(inserts)


def test_a_failing_inbox_write_fails_every_accept_of_the_batch(tmp_path: Any) -> None:
    """The database refuses the batch's write: no accept returns normally (the caller then
    does not claim the request is stored), and nothing is in the table."""
    db = inbox_database(Database(f"sqlite:///{tmp_path / 'app.db'}", upgrade=False))
    inbox = Inbox(db)

    @event.listens_for(db.engine, "before_cursor_execute")
    def _refuse(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            raise OSError("disk I/O error")

    with ThreadPoolExecutor(10) as pool:
        futures = [
            pool.submit(
                inbox.accept, f"cmd:x-{i}", KIND_DRAFT_COMMAND, user="U1", team=None, payload={}
            )
            for i in range(10)
        ]
        errors = [f.exception(10) for f in futures]
    assert all(isinstance(e, GroupCommitFailed) for e in errors)
    assert inbox.in_hand() == 0
    event.remove(db.engine, "before_cursor_execute", _refuse)
    assert _count(db) == 0
    inbox.close()
    db.dispose()


def test_a_key_twice_in_one_batch_is_one_row(tmp_path: Any) -> None:
    db = inbox_database(Database(f"sqlite:///{tmp_path / 'app.db'}", upgrade=False))
    inbox = Inbox(db)
    rows = [
        {
            "key": "cmd:same",
            "kind": KIND_DRAFT_COMMAND,
            "user_id": "U1",
            "team_id": None,
            "payload": {"try": n},
            "created_at": None,
            "attempts": 1,
            "claimed_until": None,
            "claim_token": None,
        }
        for n in (1, 2)
    ]
    from models.base import utcnow

    for r in rows:
        r["created_at"] = utcnow()
    inbox._write_rows(rows)
    with db.reading() as s:
        (item,) = s.scalars(select(InboxItem)).all()
    assert item.payload == {"try": 1}  # the first try's row, as ON CONFLICT keeps it
    inbox.close()
    db.dispose()

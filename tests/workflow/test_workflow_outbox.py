from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from wfhelpers import CLEAN

from bot.workflow import (
    WorkflowService,
    claim_due,
    delivered_result,
    mark_delivered,
    mark_delivered_many,
    mark_failed,
    pending_count,
)
from bot.workflow.outbox import BACKOFF_MAX_SECONDS, COPY_FROM, backoff_seconds, enqueue_many
from bot.workflow.outbox import listing as outbox_listing
from models import OutboxMessage, utcnow
from models.db import Database


def test_claim_deliver_and_edit_later(service: WorkflowService, db: Database) -> None:
    draft = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN).id
    assert pending_count(db) == 3  # two review requests + the findings for the submitter
    claimed = claim_due(db, limit=10)
    assert [m.kind for m in claimed] == ["review_request", "review_request", "findings"]
    assert all(m.attempts == 1 and m.draft_id == draft for m in claimed)
    assert claim_due(db) == []  # leased
    request = claimed[0]
    mark_delivered(db, request.id, result={"channel": "D1", "ts": "1.2"})
    assert delivered_result(db, request.dedupe_key) == {"channel": "D1", "ts": "1.2"}
    assert pending_count(db) == 2
    # after approval, the settled message says which review request it replaces
    service.approve(draft, actor="UBRAND1")
    settled = [m for m in claim_due(db, limit=10) if m.kind == "decision_made"]
    replaces = {m.recipient: m.payload["replaces"] for m in settled}
    assert replaces[request.recipient] == request.dedupe_key


def test_failures_back_off_and_honour_retry_after(service: WorkflowService, db: Database) -> None:
    service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    now = utcnow()
    first = claim_due(db, limit=1, now=now)[0]
    when = mark_failed(db, first.id, "ratelimited", retry_after=30, now=now)
    assert when == now + timedelta(seconds=30)
    assert [m.id for m in claim_due(db, limit=5, now=now + timedelta(seconds=29))] != [first.id]
    again = claim_due(db, limit=5, now=now + timedelta(seconds=90))
    assert first.id in [m.id for m in again]
    retried = next(m for m in again if m.id == first.id)
    assert retried.attempts == 1  # a rate limit does not count as a failed attempt
    when = mark_failed(db, first.id, "boom", now=now)
    assert when == now + timedelta(seconds=backoff_seconds(1))
    assert backoff_seconds(1) < backoff_seconds(3) <= backoff_seconds(30) == 3600.0
    # giving up after max_attempts
    later = now + timedelta(hours=2)
    item = next(m for m in claim_due(db, limit=5, now=later) if m.id == first.id)
    assert mark_failed(db, item.id, "boom", max_attempts=2, now=later) is None
    assert first.id not in [m.id for m in claim_due(db, limit=10, now=later + timedelta(days=1))]


def test_concurrent_dispatchers_never_share_a_message(
    service: WorkflowService, db: Database
) -> None:
    for i in range(5):
        service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=f"{CLEAN} {i}")
    total = pending_count(db)
    barrier = threading.Barrier(4)
    seen: list[int] = []
    lock = threading.Lock()

    def dispatcher() -> None:
        barrier.wait()
        while batch := claim_due(db, limit=2):
            with lock:
                seen.extend(m.id for m in batch)
            for m in batch:
                mark_delivered(db, m.id, result={"ok": True})

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == len(set(seen)) == total
    assert pending_count(db) == 0


def _row(db: Database, message_id: int) -> OutboxMessage:
    with db.reading() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        return row


def test_max_attempts_none_never_gives_up(service: WorkflowService, db: Database) -> None:
    service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    now = utcnow()
    target = claim_due(db, limit=1, now=now)[0].id
    for attempt in range(1, 26):
        when = mark_failed(db, target, f"boom {attempt}", max_attempts=None, now=now)
        assert when is not None and when - now <= timedelta(seconds=BACKOFF_MAX_SECONDS)
        now = when
        (again,) = [m for m in claim_due(db, limit=10, now=now) if m.id == target]
        assert again.attempts == attempt + 1
    assert _row(db, target).last_error == "boom 25"
    # the default still gives up
    assert mark_failed(db, target, "boom", now=now) is None


def test_a_permanent_failure_gives_up_at_once_and_keeps_the_error(
    service: WorkflowService, db: Database
) -> None:
    service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    now = utcnow()
    target = claim_due(db, limit=1, now=now)[0].id
    when = mark_failed(
        db, target, "slack: channel_not_found", max_attempts=None, permanent=True, now=now
    )
    assert when is None
    row = _row(db, target)
    assert (row.next_attempt_at, row.delivered_at) == (None, None)
    assert row.last_error == "slack: channel_not_found"
    assert target not in [m.id for m in claim_due(db, limit=10, now=now + timedelta(days=30))]
    assert pending_count(db) == 2


def test_mark_delivered_many_in_one_transaction(service: WorkflowService, db: Database) -> None:
    service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    claimed = claim_due(db, limit=10)
    results = [(m.id, {"channel": f"D{i}", "ts": f"{i}.0"}) for i, m in enumerate(claimed)]
    commits: list[object] = []

    def count_commit(conn: object) -> None:
        commits.append(conn)

    event.listen(db.engine, "commit", count_commit)
    try:
        mark_delivered_many(db, results[:2])
    finally:
        event.remove(db.engine, "commit", count_commit)
    assert len(commits) == 1
    assert pending_count(db) == 1
    for (message_id, result), item in zip(results[:2], claimed, strict=False):
        assert delivered_result(db, item.dedupe_key) == result
        row = _row(db, message_id)
        assert row.claim_token is None and row.next_attempt_at is None
    assert _row(db, claimed[2].id).delivered_at is None
    mark_delivered_many(db, [])  # nothing to do, no error


def test_renew_keeps_a_claim_past_its_lease(service: WorkflowService, db: Database) -> None:
    from bot.workflow.outbox import renew

    service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    now = utcnow()
    claimed = claim_due(db, limit=10, lease_seconds=60, now=now)
    token = claimed[0].claim_token
    assert token is not None
    mark_delivered(db, claimed[0].id, result={"ok": True}, now=now)
    held = renew(db, token, now + timedelta(seconds=120))
    assert held == {m.id for m in claimed[1:]}  # the delivered one is no longer held
    assert claim_due(db, limit=10, now=now + timedelta(seconds=90)) == []  # renewed: not due
    assert len(claim_due(db, limit=10, now=now + timedelta(seconds=121))) == 2


def test_release_gives_a_message_back_without_counting_an_attempt(
    service: WorkflowService, db: Database
) -> None:
    from bot.workflow.outbox import release

    service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    now = utcnow()
    first = claim_due(db, limit=1, now=now)[0]
    release(db, first.id, now + timedelta(seconds=2))
    assert first.id not in [m.id for m in claim_due(db, limit=10, now=now + timedelta(seconds=1))]
    (again,) = [m for m in claim_due(db, limit=10, now=now + timedelta(seconds=2))]
    assert again.id == first.id and again.attempts == 1 and _row(db, first.id).last_error is None


def test_failed_messages_are_listed_retried_and_counted(
    service: WorkflowService, db: Database
) -> None:
    from bot.workflow.outbox import failed, health, listing, retry

    service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN)
    now = utcnow()
    target = claim_due(db, limit=1, now=now)[0].id
    mark_failed(db, target, "slack: invalid_blocks", permanent=True, now=now)
    assert [m.id for m in failed(db)] == [target]
    assert len(listing(db)) == 3 and [m.id for m in listing(db, failed_only=True)] == [target]
    assert health(db, now=now)["failed"] == 1
    assert retry(db, target, now=now) is True
    assert retry(db, target, now=now) is False  # pending again, not failed
    assert failed(db) == [] and health(db, now=now)["failed"] == 0
    row = _row(db, target)
    assert row.attempts == 0 and row.last_error == "slack: invalid_blocks"
    assert target in [m.id for m in claim_due(db, limit=10, now=now)]


def _queued(n: int, draft: int, prefix: str) -> list[dict[str, object]]:
    return [
        {
            "kind": "reminder",
            "recipient": f"U{i}",
            "payload": {"n": i, "text": "Dry, “quoted” ünïcode", "nested": {"a": [1, None]}},
            "dedupe_key": f"reminder:{prefix}:{i}",
            "draft_id": draft,
            "revision": 1,
        }
        for i in range(n)
    ]


def test_enqueue_many_writes_a_few_or_many_alike(service: WorkflowService, db: Database) -> None:
    """Few messages go in one INSERT; from COPY_FROM on PostgreSQL streams them by COPY."""
    draft = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN).id
    now = utcnow()
    few, many = _queued(3, draft, "few"), _queued(COPY_FROM + 5, draft, "many")
    with db.transaction() as session:
        enqueue_many(session, few, now=now)
        enqueue_many(session, many, now=now)
    rows = {m.dedupe_key: m for m in outbox_listing(db, limit=1000) if m.kind == "reminder"}
    assert len(rows) == len(few) + len(many)
    for queued in [*few[:1], *many[:1], *many[-1:]]:
        row = rows[str(queued["dedupe_key"])]
        assert (row.recipient, row.draft_id, row.revision, row.attempts) == (
            queued["recipient"],
            draft,
            1,
            0,
        )
        assert row.payload == queued["payload"]
        assert row.created_at == row.next_attempt_at == now
        assert row.team_id is None  # the draft's (submitted without a team)


def test_enqueue_many_refuses_a_duplicate_key_and_writes_nothing(
    service: WorkflowService, db: Database
) -> None:
    draft = service.submit(submitter="UAGENCY1", brand="acme", platform="x", text=CLEAN).id
    before = pending_count(db)
    many = _queued(COPY_FROM + 5, draft, "dup")
    many[-1]["dedupe_key"] = many[0]["dedupe_key"]
    with pytest.raises(IntegrityError), db.transaction() as session:
        enqueue_many(session, many, now=utcnow())
    assert pending_count(db) == before

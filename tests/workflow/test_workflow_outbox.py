from __future__ import annotations

import threading
from datetime import timedelta

from wfhelpers import CLEAN

from bot.workflow import (
    WorkflowService,
    claim_due,
    delivered_result,
    mark_delivered,
    mark_failed,
    pending_count,
)
from bot.workflow.outbox import backoff_seconds
from models import utcnow
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

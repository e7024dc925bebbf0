"""A timers run fires many timers per transaction and shares work between them (the facts of a
batch loaded at once, the views of its messages built from them, each distinct case of offered
actions worked out once). None of that may show: fired one timer per transaction, with every
view read back from the database, the same drafts get the same messages and audit entries.

Two databases, the same actions at the same clock times; only how the timers are fired differs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from timerhelpers import T0, TIMED
from wfhelpers import CLEAN, assert_chain_ok, audit_events, outbox_rows

from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import WorkflowService, clockwork, run_timers, snapshots, unit
from models.db import Database
from models.testing import scratch_database_url

H = timedelta(hours=1)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def other_db(db_url: str, tmp_path: Path) -> Iterator[Database]:
    """A second empty database of the same kind as `db`."""
    base = None if db_url.startswith("sqlite") else os.environ["TEST_DATABASE_URL"]
    folder = tmp_path / "other"
    folder.mkdir()
    with scratch_database_url(base, folder) as url:
        database = Database(url)
        yield database
        database.dispose()


def _story(db: Database, brands: Path) -> tuple[list[dict[str, int]], tuple[int, int]]:
    """Drafts in several shapes, then the runs that remind, escalate and expire them: what
    each run fired, and the last outbox id and audit seq before the first (what the timers
    wrote comes after)."""
    clock = Clock()
    service = WorkflowService(db, GuidelineStore(brands, RULE_TYPES), clock=clock)

    def submit(text: str = CLEAN, **extra: Any) -> int:
        return service.submit(
            submitter="UAGENCY1", brand="timed", platform="x", text=text, **extra
        ).id

    submit()
    submit(kind="reply", context="Will it keep me dry?")  # a 2 h deadline, not 24 h
    half = submit()
    service.approve(half, actor="UBRAND1")  # any-of stage: decided, so nothing fires
    submit(publish_at=T0 + 30 * H)  # escalates, then expires
    revised = submit()  # a second round: who joins at escalation is shown the diff
    service.request_changes(revised, actor="UBRAND2", comment="Say where.")
    service.revise(revised, actor="UAGENCY1", text="Our new jacket keeps you dry on the coast.")
    # findings in the payloads: an error overridden at submission
    submit(text="We guarantee a dry walk.", override_reason="Legal cleared the claim.")
    before = (max(m.id for m in outbox_rows(db)), max(e.seq for e in audit_events(db)))
    counts = []
    # At most one timer of a draft per run: a batch that reminds and escalates one draft
    # offers, in both messages, what holds once both are done (as it should: they are sent
    # after the commit), while one at a time the reminder offers what held before.
    for hours in (1, 1.5, 2.5, 9, 17, 25, 31, 33):
        clock.now = T0 + hours * H
        counts.append(run_timers(service, clock.now))
        if hours == 9:  # reminded while the others escalate: alike drafts, other offers
            submit()
    return counts, before


def _written(db: Database, before: tuple[int, int]) -> tuple[list[Any], list[Any]]:
    """The messages and audit entries the timers wrote, in order (times of the clock only)."""
    messages = [
        (m.kind, m.recipient, m.draft_id, m.revision, m.team_id, m.dedupe_key, m.payload)
        for m in outbox_rows(db)
        if m.id > before[0]
    ]
    entries = [
        (e.event, e.actor, e.brand_id, e.draft_id, e.revision, json.loads(e.payload))
        for e in audit_events(db)
        if e.seq > before[1]
    ]
    return messages, entries


def test_a_batch_writes_what_one_timer_at_a_time_writes(
    db: Database, other_db: Database, guidelines_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (guidelines_dir / "timed.yml").write_text(TIMED, encoding="utf-8")
    batched, before = _story(db, guidelines_dir)

    # One timer per transaction, and every view of a message read back by query.
    def queried(session: Any, drafts: Any, known: Any = None) -> Any:
        return snapshots.build_views(session, drafts)

    monkeypatch.setattr(clockwork, "BATCH", 1)
    monkeypatch.setattr(unit, "build_views", queried)
    one_by_one, other_before = _story(other_db, guidelines_dir)

    assert batched == one_by_one
    assert sum(c["escalated"] for c in batched) == 6
    assert sum(c["expired"] for c in batched) == 1
    assert sum(c["reminded"] for c in batched) >= 4
    messages, entries = _written(db, before)
    assert {m[0] for m in messages} >= {"reminder", "escalated", "review_update", "expired"}
    joined = [m[-1] for m in messages if m[0] == "review_request" and m[1] == "UBACKUP1"]
    assert any(p["diff"] is not None for p in joined)
    assert (messages, entries) == _written(other_db, other_before)
    assert_chain_ok(db)
    assert_chain_ok(other_db)

"""The per-process duplicate index behind the workflow: kept in step with the database.

Two service instances over one database stand for two processes: each has its own in-memory
index, so what one records the other must read back from the database before its next check.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text
from test_duplicates import DUP, GENUINE, REPLY_ANNA, REPLY_MARCO, T0, Clock, dup_findings, reply

from bot.engine.near_duplicates import SIGNATURE_VERSION, signature
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import GuidelineStore
from bot.workflow import WorkflowService
from bot.workflow.duplicate_index import DatabaseHistory
from models import RevisionSignature, SignatureBand
from models.db import Database

BRAND = "dup"
WINDOW = timedelta(days=30)


@pytest.fixture
def brands(guidelines_dir: Path) -> Path:
    (guidelines_dir / "dup.yml").write_text(DUP, encoding="utf-8")
    return guidelines_dir


def two_services(db_url: str, brands: Path, clock: Clock) -> tuple[WorkflowService, ...]:
    """Two instances, each with its own connection pool and its own index: two processes."""
    return tuple(
        WorkflowService(Database(db_url), GuidelineStore(brands, RULE_TYPES), clock=clock)
        for _ in range(2)
    )


def copy_for(name: str) -> str:
    return REPLY_ANNA.replace("Anna", name).replace("anna_b", name.lower())


def test_a_draft_recorded_by_another_instance_is_found(db_url: str, brands: Path) -> None:
    clock = Clock()
    first, second = two_services(db_url, brands, clock)
    try:
        # the second instance loads its index of the brand before the first one writes
        assert dup_findings(reply(second, GENUINE)) == []
        assert second.history.held(BRAND) == 0  # checked before it was recorded
        clock.now += timedelta(hours=1)
        original = reply(first, REPLY_ANNA)
        clock.now += timedelta(hours=1)
        # the check reads the new row with its refresh query
        (found,) = dup_findings(reply(second, REPLY_MARCO))
        assert f"closest: draft {original.id} " in found["message"]
        assert "1 earlier draft" in found["message"]
        # and the other way round, with the first instance's index already loaded
        clock.now += timedelta(hours=1)
        (found,) = dup_findings(reply(first, copy_for("Bea")))
        assert "2 earlier draft(s)" in found["message"]
        # each row is held once in each index, however often it was read
        sig = signature(REPLY_MARCO)
        for service in (first, second, first, second):
            assert len(service.history.query(BRAND, sig, clock.now - WINDOW, 0.8)) == 3
        assert first.history.held(BRAND) == second.history.held(BRAND) == 4
    finally:
        for service in (first, second):
            service.db.dispose()


def test_rows_older_than_the_window_are_evicted(db: Database, brands: Path) -> None:
    clock = Clock()
    service = WorkflowService(db, GuidelineStore(brands, RULE_TYPES), clock=clock)
    old = reply(service, REPLY_ANNA, kind="post")
    assert service.history.held(BRAND) == 0  # nothing checked yet: nothing loaded
    clock.now += timedelta(days=29)
    assert dup_findings(reply(service, copy_for("Bea"), kind="post"))  # inside the window
    assert service.history.held(BRAND) == 1  # loaded on first use (checked, then recorded)
    clock.now += timedelta(days=2)  # the first draft is now 31 days old, the second 2
    view = reply(service, REPLY_MARCO, kind="post")
    (found,) = dup_findings(view)
    assert "1 earlier draft" in found["message"]
    assert f"draft {old.id} " not in found["message"]
    clock.now += timedelta(days=31)  # everything is older than the window
    assert dup_findings(reply(service, copy_for("Carla"), kind="post")) == []
    assert service.history.held(BRAND) == 0  # all three were evicted


def test_a_longer_window_reloads_from_the_database(db: Database) -> None:
    clock = Clock()
    history = DatabaseHistory(db, clock)
    _insert_signatures(db, [(1, 1, REPLY_ANNA, T0 - timedelta(days=40))])
    sig = signature(REPLY_MARCO)
    assert history.query(BRAND, sig, T0 - WINDOW, 0.8) == []
    (found,) = history.query(BRAND, sig, T0 - timedelta(days=60), 0.8)
    assert found.draft_id == "1"


def test_own_draft_is_excluded(db: Database) -> None:
    clock = Clock()
    history = DatabaseHistory(db, clock)
    _insert_signatures(
        db,
        [
            (1, 1, REPLY_ANNA, T0 - timedelta(days=2)),
            (2, 1, REPLY_ANNA + " Sorry again.", T0 - timedelta(days=1)),  # same draft, revised
            (3, 2, copy_for("Bea"), T0 - timedelta(days=1)),
        ],
    )
    sig = signature(REPLY_MARCO)
    assert [s.draft_id for s in history.query(BRAND, sig, T0 - WINDOW, 0.8)] == ["2", "1"]
    assert [s.draft_id for s in history.query(BRAND, sig, T0 - WINDOW, 0.8, "1")] == ["2"]
    assert [s.draft_id for s in history.query(BRAND, sig, T0 - WINDOW, 0.8, "2")] == ["1"]


def test_candidates_are_capped_to_the_latest(db: Database) -> None:
    clock = Clock()
    history = DatabaseHistory(db, clock, candidate_cap=3)
    _insert_signatures(
        db, [(i, i, copy_for(f"N{i}"), T0 - timedelta(hours=10 - i)) for i in range(1, 9)]
    )
    found = history.query(BRAND, signature(REPLY_MARCO), T0 - WINDOW, 0.8)
    assert sorted(int(s.draft_id) for s in found) == [6, 7, 8]


def test_memory_budget_drops_the_least_recently_checked_brand(db: Database) -> None:
    clock = Clock()
    history = DatabaseHistory(db, clock, max_rows=3)
    _insert_signatures(
        db,
        [
            (1, 1, REPLY_ANNA, T0),
            (2, 2, copy_for("Bea"), T0),
            (3, 3, REPLY_ANNA, T0, "other"),
            (4, 4, copy_for("Bea"), T0, "other"),
        ],
    )
    sig = signature(REPLY_MARCO)
    assert len(history.query(BRAND, sig, T0 - WINDOW, 0.8)) == 2
    assert len(history.query("other", sig, T0 - WINDOW, 0.8)) == 2
    assert (history.held(BRAND), history.held("other")) == (0, 2)
    assert len(history.query(BRAND, sig, T0 - WINDOW, 0.8)) == 2  # reloaded
    assert (history.held(BRAND), history.held("other")) == (2, 0)


def test_late_commit_of_a_lower_id_is_not_skipped(db: Database) -> None:
    """PostgreSQL hands out ids before commit: id 1 may commit after id 2 was read."""
    if db.is_sqlite:
        pytest.skip("SQLite commits one writer at a time, in id order")
    clock = Clock()
    history = DatabaseHistory(db, clock)
    sig = signature(REPLY_MARCO)
    assert history.query(BRAND, sig, T0 - WINDOW, 0.8) == []  # loaded, empty
    engine = create_engine(db.url)
    try:
        with engine.connect() as slow:
            slow_tx = slow.begin()
            _write(slow, [(1, 1, REPLY_ANNA, T0)])  # id 1, not committed yet
            with engine.begin() as fast:
                _write(fast, [(2, 2, copy_for("Bea"), T0)])  # id 2, committed first
            assert [s.draft_id for s in history.query(BRAND, sig, T0 - WINDOW, 0.8)] == ["2"]
            slow_tx.commit()
        found = history.query(BRAND, sig, T0 - WINDOW, 0.8)
        assert sorted(s.draft_id for s in found) == ["1", "2"]
        assert history.held(BRAND) == 2
        assert len(history.query(BRAND, sig, T0 - WINDOW, 0.8)) == 2  # nothing added twice
        assert history.held(BRAND) == 2
    finally:
        engine.dispose()


def test_threads_checking_and_submitting_at_once(db: Database, brands: Path) -> None:
    """Many threads share one service (as the Slack server does): the first use of the brand,
    refreshes and writes all at once; every copy is recorded and indexed exactly once."""
    clock = Clock()
    service = WorkflowService(db, GuidelineStore(brands, RULE_TYPES), clock=clock)
    history = service.history
    threads = 8
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    seen: list[int] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            view = reply(service, copy_for(f"Name{n}"), who=f"UAGENCY{n}")
            seen.append(len(dup_findings(view)))
            barrier.wait()
            history.query(BRAND, signature(REPLY_MARCO), clock.now - WINDOW, 0.8)
        except BaseException as exc:  # reported below
            errors.append(exc)
            barrier.abort()

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    assert len(seen) == threads
    assert seen.count(0) >= 1  # the first copy committed found nothing before it
    (found,) = dup_findings(reply(service, REPLY_MARCO))
    assert f"{threads} earlier draft(s)" in found["message"]
    assert history.held(BRAND) == threads  # the last reply was checked before it was recorded


def _history_rows() -> list[tuple]:
    """Copies of one reply (some revised, one outside the window), other replies, another brand."""
    rows: list[tuple] = [
        (i, i, copy_for(f"N{i}"), T0 - timedelta(hours=50 - i)) for i in range(1, 9)
    ]
    rows += [(9, 3, copy_for("N3") + " Sorry again.", T0 - timedelta(hours=1))]  # revision
    rows += [(10, 10, REPLY_ANNA, T0 - timedelta(days=40))]  # older than the window
    rows += [(11, 11, GENUINE, T0 - timedelta(hours=2))]
    rows += [(12, 12, REPLY_ANNA, T0 - timedelta(hours=2), "other")]
    return rows


@pytest.mark.parametrize(
    ("window", "exclude", "cap"),
    [
        (WINDOW, None, 2000),
        (timedelta(days=60), None, 2000),
        (WINDOW, "3", 2000),
        (WINDOW, None, 3),
    ],
)
def test_the_database_lookup_by_band_answers_like_memory(
    db: Database, window: timedelta, exclude: str | None, cap: int
) -> None:
    """A large window is answered from the database by band keys: the same drafts, the same
    similarities, the same window, exclusion and cap as the in-memory index."""
    _insert_signatures(db, _history_rows())
    clock = Clock()
    in_memory = DatabaseHistory(db, clock, candidate_cap=cap)
    by_bands = DatabaseHistory(db, clock, candidate_cap=cap, inline_rows=2, background=False)
    for text_ in (REPLY_MARCO, GENUINE, copy_for("Zed") + " Sorry again."):
        sig = signature(text_)
        expected = in_memory.query(BRAND, sig, T0 - window, 0.8, exclude)
        assert expected  # the case is not empty
        assert by_bands.query(BRAND, sig, T0 - window, 0.8, exclude) == expected
    assert in_memory.held(BRAND) > 0
    assert by_bands.held(BRAND) == 0  # nothing loaded into memory


def test_a_large_window_loads_in_the_background_and_misses_nothing(db: Database) -> None:
    """The first check of a large brand does not wait for its load; what commits while (or
    after) the background load runs is found by the checks after it."""
    _insert_signatures(db, _history_rows())
    clock = Clock()
    history = DatabaseHistory(db, clock, inline_rows=2)
    sig = signature(REPLY_MARCO)
    first = history.query(BRAND, sig, T0 - WINDOW, 0.8)
    assert sorted(int(s.draft_id) for s in first) == list(range(1, 9))
    assert history.wait_loaded(BRAND, timeout=60)
    assert history.held(BRAND) == 10  # the window of the brand: 11 rows but one too old
    _insert_signatures(db, [(13, 13, copy_for("Late"), T0)])
    found = history.query(BRAND, sig, T0 - WINDOW, 0.8)
    assert sorted(int(s.draft_id) for s in found) == [*range(1, 9), 13]
    assert history.held(BRAND) == 11
    # a longer window than the one loaded: answered from the database again, then reloaded
    (old,) = [
        s for s in history.query(BRAND, sig, T0 - timedelta(days=60), 0.8) if s.draft_id == "10"
    ]
    assert old.similarity >= 0.8
    assert history.wait_loaded(BRAND, timeout=60)
    assert history.held(BRAND) == 12


def test_a_failed_background_load_is_retried(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _insert_signatures(db, _history_rows())
    history = DatabaseHistory(db, Clock(), inline_rows=2)
    real = history._read_window
    calls: list[str] = []

    def failing_once(brand_id: str, since: object) -> object:
        calls.append(brand_id)
        if len(calls) == 1:
            raise RuntimeError("connection lost")
        return real(brand_id, since)  # type: ignore[arg-type]

    monkeypatch.setattr(history, "_read_window", failing_once)
    sig = signature(REPLY_MARCO)
    assert len(history.query(BRAND, sig, T0 - WINDOW, 0.8)) == 8
    assert history.wait_loaded(BRAND, timeout=60)
    assert history.held(BRAND) == 0
    assert len(history.query(BRAND, sig, T0 - WINDOW, 0.8)) == 8  # by band, and loads again
    assert history.wait_loaded(BRAND, timeout=60)
    assert history.held(BRAND) == 10 and len(calls) == 2


# ------------------------------------------------------------------ helpers


def _write(conn: object, rows: list[tuple]) -> None:
    """Signature rows without their drafts (foreign keys off for this transaction)."""
    if conn.dialect.name == "postgresql":  # type: ignore[attr-defined]
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # type: ignore[attr-defined]
    conn.execute(  # type: ignore[attr-defined]
        insert(RevisionSignature),
        [
            {
                "revision_id": row[0],
                "draft_id": row[1],
                "brand_id": row[4] if len(row) > 4 else BRAND,
                "created_at": row[3],
                "version": SIGNATURE_VERSION,
                "minhash": signature(row[2]).to_bytes(),
            }
            for row in rows
        ],
    )
    # and their band keys, as `record_revision` writes them (the lookup by band reads them)
    conn.execute(  # type: ignore[attr-defined]
        insert(SignatureBand),
        [
            {
                "revision_id": row[0],
                "band": band,
                "band_key": key,
                "brand_id": row[4] if len(row) > 4 else BRAND,
                "created_at": row[3],
            }
            for row in rows
            for band, key in enumerate(signature(row[2]).bands)
        ],
    )


def _insert_signatures(db: Database, rows: list[tuple]) -> None:
    # A plain engine: on SQLite it does not turn foreign keys on.
    engine = create_engine(db.url)
    try:
        with engine.begin() as conn:
            _write(conn, rows)
    finally:
        engine.dispose()

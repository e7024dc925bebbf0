from __future__ import annotations

import csv
import io
import itertools
import json
import multiprocessing
from datetime import UTC, datetime, timedelta

import pytest
from audit_workers import append_many
from sqlalchemy import delete, select, text, update

from bot.audit import AuditEvent, append, draft_history, export, head, parse_bound, verify
from bot.audit.chain import entry_hash
from models import GENESIS_HASH, AuditEntry
from models.db import Database


def _fill(db: Database, n: int, brand: str = "acme", *, start: datetime | None = None) -> None:
    for i in range(n):
        with db.transaction() as session:
            append(
                session,
                [
                    AuditEvent(
                        "decided",
                        f"U{i}",
                        brand,
                        draft_id=i % 3 + 1,
                        revision=1,
                        guidelines_sha256="ab" * 32,
                        payload={"decision": "approve", "note": f"é {i}", "n": i},
                    )
                ],
                now=None if start is None else start + timedelta(days=i),
            )


def test_empty_log_verifies(db: Database) -> None:
    result = verify(db)
    assert result.ok and result.count == 0
    assert str(result).startswith("OK 0 entries, head ")


def test_chain_links_each_entry_to_the_previous(db: Database) -> None:
    _fill(db, 5)
    with db.reading() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        assert [r.seq for r in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash == GENESIS_HASH
        for before, after in itertools.pairwise(rows):
            assert after.prev_hash == before.hash
        assert head(session) == (5, rows[-1].hash)
        # the payload is stored as canonical JSON (sorted keys, no spaces, UTF-8)
        assert rows[0].payload == '{"decision":"approve","n":0,"note":"é 0"}'
    assert str(verify(db)).startswith("OK 5 entries, head ")


def test_hash_is_over_the_canonical_entry() -> None:
    fields = dict(
        seq=1,
        created_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
        event="submitted",
        actor="U1",
        brand_id="acme",
        draft_id=7,
        revision=1,
        guidelines_sha256=None,
        payload='{"a":1}',
        prev_hash=GENESIS_HASH,
    )
    from bot.audit.chain import entry_text

    canonical = entry_text(**fields)
    assert canonical == (
        '{"actor":"U1","brand":"acme","created_at":"2026-01-02T03:04:05.000006Z","draft":7,'
        '"event":"submitted","guidelines_sha256":null,"payload":{"a":1},"prev_hash":"'
        + GENESIS_HASH
        + '","revision":1,"seq":1}'
    )
    assert json.loads(canonical)["payload"] == {"a": 1}
    assert entry_hash(**fields) != entry_hash(**{**fields, "actor": "U2"})


def test_appends_in_one_transaction_roll_back_together(db: Database) -> None:
    _fill(db, 2)
    with pytest.raises(RuntimeError), db.transaction() as session:
        append(session, [AuditEvent("submitted", "U9", "acme")])
        raise RuntimeError("state change failed")
    assert str(verify(db)).startswith("OK 2 entries, head ")


# --- tampering ---------------------------------------------------------------------------------


def _bad(db: Database) -> tuple[int | None, str]:
    result = verify(db)
    assert not result.ok
    return result.first_bad, str(result)


def test_changed_entry_is_named(db: Database) -> None:
    _fill(db, 6)
    with db.transaction() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 4).values(actor="UEVIL"))
    first, message = _bad(db)
    assert first == 4
    assert message.startswith("FAIL entry 4:")


def test_changed_payload_is_named(db: Database) -> None:
    _fill(db, 6)
    with db.transaction() as session:
        session.execute(
            update(AuditEntry)
            .where(AuditEntry.seq == 2)
            .values(payload='{"decision":"reject","n":1,"note":"é 1"}')
        )
    assert _bad(db)[0] == 2


def test_changed_and_rehashed_entry_breaks_the_next_link(db: Database) -> None:
    _fill(db, 6)
    with db.transaction() as session:
        row = session.get(AuditEntry, 3)
        assert row is not None
        row.actor = "UEVIL"
        row.hash = entry_hash(
            seq=row.seq,
            created_at=row.created_at,
            event=row.event,
            actor=row.actor,
            brand_id=row.brand_id,
            draft_id=row.draft_id,
            revision=row.revision,
            guidelines_sha256=row.guidelines_sha256,
            payload=row.payload,
            prev_hash=row.prev_hash,
        )
    first, message = _bad(db)
    assert first == 4
    assert "link" in message


def test_deleted_entry_is_named(db: Database) -> None:
    _fill(db, 6)
    with db.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
    first, message = _bad(db)
    assert first == 3
    assert "missing" in message


def test_deleted_last_entry_is_detected_by_the_head(db: Database) -> None:
    _fill(db, 4)
    with db.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 4))
    assert _bad(db)[0] == 4


def test_deleted_and_renumbered_entries_break_the_chain(db: Database) -> None:
    _fill(db, 6)
    with db.transaction() as session:
        session.execute(delete(AuditEntry).where(AuditEntry.seq == 3))
        for seq in (4, 5, 6):
            session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq - 1))
    assert _bad(db)[0] == 3


def test_reordered_entries_are_named(db: Database) -> None:
    _fill(db, 6)
    with db.transaction() as session:
        # swap entries 2 and 5 (via a free seq number, as the primary key forbids duplicates)
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2).values(seq=1000))
        session.execute(update(AuditEntry).where(AuditEntry.seq == 5).values(seq=2))
        session.execute(update(AuditEntry).where(AuditEntry.seq == 1000).values(seq=5))
    assert _bad(db)[0] == 2


def test_inserted_entry_is_named(db: Database) -> None:
    _fill(db, 5)
    with db.transaction() as session:
        for seq in (5, 4, 3):
            session.execute(update(AuditEntry).where(AuditEntry.seq == seq).values(seq=seq + 1))
        first = session.get(AuditEntry, 1)
        assert first is not None
        session.add(
            AuditEntry(
                seq=3,
                created_at=first.created_at,
                event="decided",
                actor="UEVIL",
                brand_id="acme",
                draft_id=1,
                revision=1,
                guidelines_sha256=None,
                payload='{"decision":"approve"}',
                prev_hash="f" * 64,
                hash="e" * 64,
            )
        )
    assert _bad(db)[0] == 3


def test_entry_appended_out_of_band_is_detected(db: Database) -> None:
    _fill(db, 3)
    with db.transaction() as session:
        last = session.get(AuditEntry, 3)
        assert last is not None
        fields = dict(
            seq=4,
            created_at=last.created_at,
            event="decided",
            actor="UEVIL",
            brand_id="acme",
            draft_id=1,
            revision=1,
            guidelines_sha256=None,
            payload="{}",
            prev_hash=last.hash,
        )
        session.add(AuditEntry(**fields, hash=entry_hash(**fields)))
    assert _bad(db)[0] == 4


# --- concurrency -------------------------------------------------------------------------------


def test_concurrent_appends_from_processes_keep_one_chain(db_url: str) -> None:
    Database(db_url).dispose()  # migrate once up front
    workers, each = 4, 25
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(workers)
    procs = [
        ctx.Process(target=append_many, args=(db_url, w, each, barrier)) for w in range(workers)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    db = Database(db_url)
    result = verify(db)
    assert result.ok, str(result)
    assert result.count == workers * each
    with db.reading() as session:
        actors = session.scalars(select(AuditEntry.actor)).all()
    assert sorted(set(actors)) == [f"U{w}" for w in range(workers)]
    db.dispose()


def test_concurrent_appends_from_threads_keep_one_chain(db: Database) -> None:
    import threading

    barrier = threading.Barrier(6)

    def work(w: int) -> None:
        barrier.wait()
        for i in range(20):
            with db.transaction() as session:
                append(session, [AuditEvent("checked", f"T{w}", "acme", payload={"i": i})])

    threads = [threading.Thread(target=work, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert str(verify(db)).startswith("OK 120 entries, head ")


# --- export and show ---------------------------------------------------------------------------


def test_export_jsonl_lines_reverify(db: Database) -> None:
    _fill(db, 4)
    out = io.StringIO()
    assert export(db, out, fmt="jsonl") == 4
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["seq"] for e in lines] == [1, 2, 3, 4]
    prev = GENESIS_HASH
    for entry in lines:
        assert entry["prev_hash"] == prev
        canonical = json.dumps(
            {k: v for k, v in entry.items() if k != "hash"},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        import hashlib

        assert hashlib.sha256(canonical.encode()).hexdigest() == entry["hash"]
        prev = entry["hash"]


def test_export_filters_and_csv(db: Database) -> None:
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    _fill(db, 5, start=start)  # one entry a day: March 1..5
    with db.transaction() as session:
        append(session, [AuditEvent("submitted", "U1", "other")], now=start)
    out = io.StringIO()
    n = export(
        db,
        out,
        fmt="csv",
        since=parse_bound("2026-03-02"),
        until=parse_bound("2026-03-04", end=True),
        brand="acme",
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert n == 3 and len(rows) == 3
    assert [r["created_at"][:10] for r in rows] == ["2026-03-02", "2026-03-03", "2026-03-04"]
    assert json.loads(rows[0]["payload"])["decision"] == "approve"
    assert {r["brand"] for r in rows} == {"acme"}


def test_parse_bound_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_bound("last tuesday")


def test_history_of_one_draft(db: Database) -> None:
    _fill(db, 6)
    history = draft_history(db, 2)
    assert [e["seq"] for e in history] == [2, 5]
    assert all(e["draft"] == 2 for e in history)


def test_raw_sql_cannot_reuse_a_seq(db: Database) -> None:
    _fill(db, 2)
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.transaction() as session:
        session.execute(
            text(
                "INSERT INTO audit_entries (seq, created_at, event, actor, payload, prev_hash, "
                "hash) VALUES (2, :t, 'x', 'y', '{}', :p, :h)"
            ),
            {"t": datetime(2026, 1, 1), "p": "0" * 64, "h": "1" * 64},
        )


@pytest.mark.parametrize(
    "actor,brand,draft,revision,gsha",
    [
        ("U1", "acme", 7, 1, "ab" * 32),
        ('we"ird\\actor\n\t\u2028', None, None, None, None),
        ("ünïcødé 🚀", "b\x00rand", 0, -1, ""),
    ],
)
def test_fast_canonical_text_equals_json_dumps(
    actor: str, brand: str | None, draft: int | None, revision: int | None, gsha: str | None
) -> None:
    from bot.audit.chain import canonical_json, entry_text, format_time

    when = datetime(2026, 5, 6, 7, 8, 9, 123, tzinfo=UTC)
    payload = {"text": 'a "quoted" ✓ \u0007', "n": [1, None, True]}
    fast = entry_text(
        seq=42,
        created_at=when,
        event="decided",
        actor=actor,
        brand_id=brand,
        draft_id=draft,
        revision=revision,
        guidelines_sha256=gsha,
        payload=canonical_json(payload),
        prev_hash="0" * 64,
    )
    reference = canonical_json(
        {
            "seq": 42,
            "created_at": format_time(when),
            "event": "decided",
            "actor": actor,
            "brand": brand,
            "draft": draft,
            "revision": revision,
            "guidelines_sha256": gsha,
            "payload": payload,
            "prev_hash": "0" * 64,
        }
    )
    assert fast == reference


def test_entries_left_pending_by_a_crash_are_sealed_later(db: Database) -> None:
    from sqlalchemy.orm import Session

    from bot.audit import seal

    _fill(db, 2)
    # a writer that committed but died before sealing its entries
    with Session(db.engine) as session, session.begin():
        append(
            session,
            [AuditEvent("submitted", "UCRASH", "acme")],
            deferred=True,
            seal_on_commit=False,
        )
    result = verify(db)
    assert result.ok and result.count == 2 and result.pending == 1
    assert str(result) == f"OK 2 entries, head {result.head} (1 awaiting sealing)"
    assert seal(db) == 1
    assert str(verify(db)).startswith("OK 3 entries, head ")
    assert seal(db) == 0


def test_the_next_append_chains_entries_a_dead_writer_left_pending(db: Database) -> None:
    """The seal looks only at the caller's own newest entry to know it is done (migration
    0012_audit_indexes), but a seal that runs still chains everything pending before it."""
    from sqlalchemy.orm import Session

    with Session(db.engine) as session, session.begin():
        append(
            session,
            [AuditEvent("submitted", "UCRASH", "acme")] * 2,
            deferred=True,
            seal_on_commit=False,
        )
    with db.transaction() as session:
        append(session, [AuditEvent("checked", "ULATER", "acme")] * 3, deferred=True)
    result = verify(db)
    assert result.ok and result.count == 5 and result.pending == 0
    with db.reading() as session:
        actors = session.scalars(select(AuditEntry.actor).order_by(AuditEntry.seq)).all()
    assert actors == ["UCRASH"] * 2 + ["ULATER"] * 3


def test_deferred_appends_are_sealed_after_commit(db: Database) -> None:
    for i in range(3):
        with db.transaction() as session:
            append(session, [AuditEvent("checked", f"U{i}", "acme")] * 2, deferred=True)
    result = verify(db)
    assert result.ok and result.count == 6 and result.pending == 0


def test_first_use_by_several_processes_at_once(db_url: str) -> None:
    from audit_workers import open_fresh

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(3)
    procs = [ctx.Process(target=open_fresh, args=(db_url, barrier)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    db = Database(db_url)
    assert str(verify(db)).startswith("OK 3 entries, head ")
    db.dispose()


def test_sealed_entries_with_awkward_content_verify(db: Database) -> None:
    """The PostgreSQL sealer builds the canonical JSON in SQL: it must match Python's exactly."""
    from bot.audit import seal

    awkward = [
        AuditEvent(
            'qu"ote\\back',
            "tab\tnew\nline\r\x01\x1f",
            "ünï 🚀 \u2028",
            draft_id=0,
            revision=None,
            guidelines_sha256=None,
            payload={"text": 'He said "hi"\n', "n": [1.5, None, True], "é": {"z": 1, "a": 2}},
        ),
        AuditEvent("decided", "U1", None, draft_id=None, revision=12, payload={}),
    ]
    with db.transaction() as session:
        append(session, awkward, deferred=True)
    with db.transaction() as session:
        append(session, [AuditEvent("checked", "U2", "acme")], deferred=True)
    seal(db)
    result = verify(db)
    assert result.ok, str(result)
    assert result.count == 3 and result.pending == 0


def test_verify_while_others_append(db: Database) -> None:
    import threading

    _fill(db, 50)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(w: int) -> None:
        try:
            while not stop.is_set():
                with db.transaction() as session:
                    append(session, [AuditEvent("checked", f"W{w}", "acme")])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    try:
        results = [verify(db) for _ in range(10)]
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert errors == []
    assert all(r.ok for r in results), [str(r) for r in results if not r.ok]
    assert str(verify(db)).startswith("OK ")

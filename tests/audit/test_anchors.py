"""`audit anchor`, `audit verify --anchors` and `--file`: tampering the chain alone cannot hide."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update

from bot.audit import AuditEvent, append, export, verify
from bot.audit.anchor import AUDIT_ANCHOR, anchor, read_anchors
from bot.audit.chain import entry_hash
from bot.audit.log import PENDING
from bot.audit.offline import verify_export
from models import GENESIS_HASH, AuditEntry, AuditHead, OutboxMessage
from models.db import Database
from tests.cli.conftest import run_cli

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _fill(db: Database, n: int, *, first: int = 0) -> None:
    for i in range(first, first + n):
        with db.transaction() as session:
            append(
                session,
                [
                    AuditEvent(
                        "decided",
                        f"U{i}",
                        "acme" if i % 2 else "globex",
                        draft_id=i % 3 + 1,
                        revision=1,
                        guidelines_sha256="ab" * 32,
                        payload={"decision": "approve", "n": i},
                    )
                ],
                now=T0 + timedelta(minutes=i),
            )


def _recompute(db: Database, change: Callable[[list[dict]], list[dict]]) -> None:
    """What an attacker with write access does: rewrite the entries, rehash them all, move the
    head. The chain alone then verifies."""
    with db.transaction() as session:
        rows = [
            {
                c: getattr(r, c)
                for c in (
                    "created_at",
                    "event",
                    "actor",
                    "brand_id",
                    "draft_id",
                    "revision",
                    "guidelines_sha256",
                    "payload",
                )
            }
            for r in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]
        rows = change(rows)
        session.execute(delete(AuditEntry))
        prev, seq = GENESIS_HASH, 0
        for row in rows:
            seq += 1
            digest = entry_hash(seq=seq, prev_hash=prev, **row)
            session.execute(insert(AuditEntry).values(seq=seq, prev_hash=prev, hash=digest, **row))
            prev = digest
        session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=seq, hash=prev))


def _anchored(db: Database, tmp_path: Path) -> Path:
    _fill(db, 6)
    path = tmp_path / "var" / "anchors.jsonl"
    first = anchor(db, path, T0 + timedelta(days=1))
    assert (first.seq, first.at) == (6, "2026-11-02T09:00:00.000000Z")
    _fill(db, 2, first=6)
    anchor(db, path, T0 + timedelta(days=2))
    assert [a.seq for a in read_anchors(path)] == [6, 8]
    result = verify(db, read_anchors(path))
    assert result.ok and result.anchors == 2, result
    return path


def test_verify_prints_the_head(db: Database) -> None:
    _fill(db, 3)
    with db.reading() as session:
        last = session.scalars(select(AuditEntry.hash).where(AuditEntry.seq == 3)).one()
    assert str(verify(db)) == f"OK 3 entries, head {last}"


def _rewrite_entry_2(rows: list[dict]) -> list[dict]:
    rows[1]["actor"] = "UEVIL"
    return rows


def _cut_tail(rows: list[dict]) -> list[dict]:
    return rows[:-3]


def _cut_and_regrow(rows: list[dict]) -> list[dict]:
    # tail cut, then as many new entries: the head is at the same number, another hash
    return rows[:-3] + [{**r, "actor": "UEVIL"} for r in rows[-3:]]


@pytest.mark.parametrize(
    ("change", "bad_seq", "why"),
    [
        (_rewrite_entry_2, 6, "history rewritten"),
        (_cut_tail, 6, "no longer in the chain"),
        (_cut_and_regrow, 6, "history rewritten"),
    ],
)
def test_recomputed_chain_verifies_alone_but_not_against_anchors(
    db: Database, tmp_path: Path, change: Callable[[list[dict]], list[dict]], bad_seq: int, why: str
) -> None:
    path = _anchored(db, tmp_path)
    _recompute(db, change)
    assert verify(db).ok  # the hole the issue describes: the chain alone cannot tell
    result = verify(db, read_anchors(path))
    assert not result.ok and result.first_bad == bad_seq
    assert why in str(result) and "anchors.jsonl:1" in str(result)


def test_tampering_in_place_still_fails_with_anchors(db: Database, tmp_path: Path) -> None:
    path = _anchored(db, tmp_path)
    with db.transaction() as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(seq=1000))
        session.execute(update(AuditEntry).where(AuditEntry.seq == 5).values(seq=3))
        session.execute(update(AuditEntry).where(AuditEntry.seq == 1000).values(seq=5))
    result = verify(db, read_anchors(path))
    assert not result.ok and result.first_bad == 3


def test_verify_flags_time_going_backwards(db: Database) -> None:
    _fill(db, 4)
    _recompute(db, lambda rows: [*rows[:2], {**rows[2], "created_at": T0}, rows[3]])
    result = verify(db)
    assert not result.ok and result.first_bad == 3 and "time goes backwards" in str(result)


def test_appends_never_stamp_earlier_than_the_head(db: Database) -> None:
    _fill(db, 2)
    with db.transaction() as session:
        append(session, [AuditEvent("decided", "ULATE")], now=T0 - timedelta(days=3))
    result = verify(db)
    assert result.ok, result
    with db.reading() as session:
        times = session.scalars(select(AuditEntry.created_at).order_by(AuditEntry.seq)).all()
    assert times == sorted(times)


def test_verify_never_chains_a_row_slipped_into_pending(db: Database) -> None:
    _fill(db, 2)
    with db.transaction() as session:
        session.execute(
            insert(PENDING).values(
                created_at=T0 - timedelta(days=30),
                event="decided",
                actor="UFORGED",
                payload="{}",
            )
        )
    before = verify(db)
    assert before.ok and before.count == 2
    assert verify(db).count == 2  # still not chained: verify never writes
    with db.reading() as session:
        assert session.scalar(select(AuditEntry.seq).where(AuditEntry.actor == "UFORGED")) is None


def test_anchor_is_queued_for_the_channel_in_the_same_transaction(
    db: Database, tmp_path: Path
) -> None:
    _fill(db, 2)
    found = anchor(db, tmp_path / "a.jsonl", T0, channel="C0AUDIT")
    with db.reading() as session:
        (msg,) = session.scalars(select(OutboxMessage)).all()
    assert (msg.kind, msg.recipient) == (AUDIT_ANCHOR, "C0AUDIT")
    assert msg.payload["hash"] == found.hash and found.hash in msg.payload["text"]


def _export(db: Database, path: Path, brand: str | None = None) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        export(db, out, brand=brand)
    return path


def test_full_export_verifies_offline_as_a_chain(db: Database, tmp_path: Path) -> None:
    anchors = _anchored(db, tmp_path)
    path = _export(db, tmp_path / "all.jsonl")
    result = verify_export(path, read_anchors(anchors))
    assert result.ok and not result.partial and result.count == 8 and result.anchors == 2
    assert str(result) == f"OK 8 entries, head {verify(db).head}; 2 anchors hold"
    lines = path.read_text().splitlines()
    # an edited line, two swapped lines
    for tampered in (
        [lines[0].replace('"U0"', '"UEVIL"'), *lines[1:]],
        [lines[1], lines[0], *lines[2:]],
    ):
        path.write_text("\n".join(tampered) + "\n")
        assert not verify_export(path).ok
    # a dropped line: a gap is what a filter leaves, so the export is no longer called whole
    path.write_text("\n".join(lines[:3] + lines[4:]) + "\n")
    dropped = verify_export(path)
    assert dropped.partial and "PARTIAL" in str(dropped)
    # the tail cut off: alone it verifies, against the anchors it does not
    path.write_text("\n".join(lines[:-2]) + "\n")
    assert verify_export(path).ok
    cut = verify_export(path, read_anchors(anchors))
    assert not cut.ok and "entry 8 is not in the export" in str(cut)


def test_brand_export_verifies_each_entry_and_says_partial(db: Database, tmp_path: Path) -> None:
    _fill(db, 6)
    path = _export(db, tmp_path / "acme.jsonl", brand="acme")
    result = verify_export(path)
    assert result.ok and result.partial and result.count == 3
    assert "PARTIAL export" in str(result)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0].replace('"approve"', '"reject"'), *lines[1:]]) + "\n")
    bad = verify_export(path)
    assert not bad.ok and bad.line == 1 and "does not match its hash" in str(bad)


def test_cli_anchor_and_verify(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    db = Database(db_url)
    try:
        _fill(db, 3)
        ran = run_cli(["audit", "anchor"])
        assert ran.status == 0, ran.err
        assert (tmp_path / "var" / "anchors.jsonl").exists()
        ok = run_cli(["audit", "verify", "--anchors", "var/anchors.jsonl"])
        assert ok.status == 0 and ok.out.startswith("OK 3 entries, head "), ok
        _recompute(db, _cut_tail)
        assert run_cli(["audit", "verify"]).status == 0
        bad = run_cli(["audit", "verify", "--anchors", "var/anchors.jsonl"])
        assert bad.status == 1 and "anchor of entry 3" in bad.out, bad
        (tmp_path / "x.jsonl").write_text("{}\n")
        assert run_cli(["audit", "verify", "--file", "x.jsonl"]).status == 1
        missing = run_cli(["audit", "verify", "--file", "nope.jsonl"])
        assert missing.status == 2 and "cannot read nope.jsonl" in missing.err
        as_json = json.loads(run_cli(["audit", "verify", "--format", "json"]).out)
        assert as_json["ok"] and len(as_json["head"]) == 64
    finally:
        db.dispose()

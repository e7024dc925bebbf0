"""Streaming verification of the whole chain; names the first bad entry."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sqlalchemy import Connection, select

from bot.audit.anchor import Anchor, broken_anchor
from bot.audit.chained import first_text_mismatch
from bot.audit.log import pending_count
from bot.audit.rows import columns, row_text, stream_rows
from models import GENESIS_HASH, AuditEntry, AuditHead
from models.db import Database


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    #: seq of the first entry that is wrong or missing (None when ok)
    first_bad: int | None = None
    problem: str | None = None
    #: entries written but not chained yet (PostgreSQL; `seal` chains them)
    pending: int = 0
    #: hash of the last entry (the genesis hash for an empty log)
    head: str = GENESIS_HASH
    #: how many anchors were checked (`--anchors`)
    anchors: int = 0
    #: what is bad when it is not an entry (a revision row no entry chained)
    where: str | None = None

    def __str__(self) -> str:
        if self.ok:
            waiting = f" ({self.pending} awaiting sealing)" if self.pending else ""
            pinned = f"; {self.anchors} anchors hold" if self.anchors else ""
            return f"OK {self.count} entries, head {self.head}{waiting}{pinned}"
        return f"FAIL {self.where or f'entry {self.first_bad}'}: {self.problem}"


def verify_connection(connection: Connection) -> VerifyResult:
    expected_seq = 1
    prev = GENESIS_HASH
    prev_time = ""
    count = 0
    sha256 = hashlib.sha256
    cols, to_text = columns(connection.dialect.name)
    stmt = select(*cols).order_by(AuditEntry.seq)
    for row in stream_rows(connection, stmt):
        seq = row[0]
        if seq != expected_seq:
            if seq > expected_seq:
                problem = f"missing (the log jumps from entry {expected_seq - 1} to {seq})"
            else:
                problem = f"out of sequence (found entry {seq} after {expected_seq - 1})"
            return VerifyResult(False, count, expected_seq, problem)
        when = to_text(row[1])
        # The canonical time format sorts as text: the chain's order and its times must agree.
        if when < prev_time:
            return VerifyResult(
                False, count, seq, f"time goes backwards ({when} after {prev_time})"
            )
        prev_time = when
        material = row_text(row, when).encode()
        if sha256(material).hexdigest() != row[10]:
            return VerifyResult(
                False, count, seq, f"content does not match its hash ({row[2]} by {row[3]})"
            )
        if row[9] != prev:
            return VerifyResult(
                False,
                count,
                seq,
                "previous-hash link broken (an entry before it was changed, "
                "removed, inserted or reordered)",
            )
        prev = row[10]
        expected_seq += 1
        count += 1
    head = connection.execute(
        select(AuditHead.seq, AuditHead.hash).where(AuditHead.id == 1)
    ).one_or_none()
    if head is None:
        return VerifyResult(False, count, count + 1, "the audit_head row is missing")
    if head.seq != count or head.hash != prev:
        if head.seq > count:
            problem = f"missing: the log ends at entry {count} but its head records {head.seq}"
            return VerifyResult(False, count, count + 1, problem)
        problem = f"not recorded by the head (head is at entry {head.seq}): appended out of band"
        return VerifyResult(False, count, min(head.seq + 1, count), problem)
    return VerifyResult(True, count, pending=pending_count(connection), head=prev)


def verify(db: Database, anchors: Iterable[Anchor] = ()) -> VerifyResult:
    """Verify the chain (never writing) and that every anchored head is still in it."""
    with db.read_engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One snapshot for the entries, the head and the pending count: appends committed
            # while we stream must not look like a head that ran ahead of its entries.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            result = verify_connection(connection)
            if result.ok:
                result = _check_texts(connection, result)
            anchors = list(anchors)
            if not result.ok or not anchors:
                return result
            broken = broken_anchor(connection, anchors)
            if broken is not None:
                bad, why = broken
                return VerifyResult(False, result.count, bad.seq, f"{bad}: {why}", head=result.head)
            return replace(result, anchors=len(anchors))


def _check_texts(connection: Connection, result: VerifyResult) -> VerifyResult:
    """The chain is intact; the revisions table must hold exactly the texts it chained (else
    someone edited the tables, and `audit match` would be told so too)."""
    bad = first_text_mismatch(connection)
    if bad is None:
        return result
    return VerifyResult(
        False,
        result.count,
        bad.seq,
        f"{bad.problem}: tables were edited (the chain itself is intact)",
        head=result.head,
        where=None if bad.seq is not None else f"draft {bad.draft} r{bad.revision}",
    )

"""What the chain itself says about drafts, and where the editable tables disagree with it.

The drafts, revisions and decisions tables are the workflow's working state: anyone who can
write the database can change them without touching the chain. So `audit match` answers from
the chained entries only (each text-introducing entry — submitted, revised, edited — carries the
text's sha256, each decision the sha256 of the text decided on) and reports the tables only to
say where they were edited; `audit verify` checks every revision's text against the hash its
entry chained.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from bot.audit.rows import columns, row_text, stream_rows
from models import AuditEntry, Decision, Draft, Revision
from models.audit import AuditPending

TEXT_EVENTS = ("submitted", "revised", "edited")
APPROVED_STATES = ("approved", "published")
APPROVALS = ("approve", "edit_approve")
_TEXT_SHA = re.compile(r'"text_sha256":"([0-9a-f]{64})"')


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def chained_text_sha256(payload: dict[str, Any]) -> str | None:
    """The hash of the text an entry introduces (entries written before the payload carried
    `text_sha256` still carry the text itself)."""
    found = payload.get("text_sha256")
    if isinstance(found, str):
        return found
    text = payload.get("text")
    return text_sha256(text) if isinstance(text, str) else None


@dataclass
class ChainedDraft:
    """One draft as its chained entries tell it, in chain order."""

    draft: int
    brand: str | None = None
    platform: str | None = None
    kind: str | None = None
    submitter: str | None = None
    #: revision -> (sha256 of its text, seq of the entry that introduced it, its actor)
    texts: dict[int, tuple[str, int, str]] = field(default_factory=dict)
    #: revision -> guidelines sha256 it was checked with
    checked_with: dict[int, str | None] = field(default_factory=dict)
    current: int = 0
    state: str | None = None
    #: the decision that made the draft approved: revision, text sha256, seq, at, actor, policy
    approval: dict[str, Any] | None = None
    #: the decisions of the current round
    decisions: list[dict[str, Any]] = field(default_factory=list)
    #: every person's decision ever chained: (actor, decision, revision)
    all_decisions: list[tuple[str, str, int | None]] = field(default_factory=list)
    decided_seqs: list[int] = field(default_factory=list)
    published_url: str | None = None
    #: seqs of entries whose content does not match their hash
    broken: list[int] = field(default_factory=list)

    def fold(self, entry: dict[str, Any]) -> None:
        event, payload, revision = entry["event"], entry["payload"], entry["revision"]
        self.brand = entry["brand"] or self.brand
        if event in TEXT_EVENTS and revision is not None:
            digest = chained_text_sha256(payload)
            if digest is not None:
                self.texts[revision] = (digest, entry["seq"], entry["actor"])
            self.current = max(self.current, revision)
            self.approval = None
            if event != "edited":  # an edit is part of the decision that follows it
                self.decisions = []
            if event == "submitted":
                self.platform = payload.get("platform")
                self.kind = payload.get("kind")
                self.submitter = entry["actor"]
        if event == "checked" and revision is not None:
            self.checked_with[revision] = entry["guidelines_sha256"]
            if payload.get("verdict") == "block":
                self.state = "blocked"
        if event == "routed":
            self.decisions = []
        if event == "expired":
            self.state = "expired"
        if isinstance(payload.get("state"), str):
            self.state = payload["state"]
        if event == "published":
            self.published_url = payload.get("url")
        if event == "decided":
            self._decided(entry, payload, revision)

    def _decided(
        self, entry: dict[str, Any], payload: dict[str, Any], revision: int | None
    ) -> None:
        decision = str(payload.get("decision") or "")
        self.decided_seqs.append(entry["seq"])
        if not payload.get("policy"):
            self.all_decisions.append((entry["actor"], decision, revision))
            self.decisions.append(
                {
                    "actor": entry["actor"],
                    "decision": decision,
                    "revision": revision,
                    "stage": payload.get("stage"),
                    "group": payload.get("group"),
                    "at": entry["created_at"],
                    "reason": payload.get("reason"),
                    "seq": entry["seq"],
                }
            )
        if decision in APPROVALS and payload.get("state") == "approved":
            self.approval = {
                "revision": revision,
                "text_sha256": payload.get("text_sha256"),
                "seq": entry["seq"],
                "at": entry["created_at"],
                "actor": entry["actor"],
                "policy": payload.get("policy"),
            }

    def approved_text(self) -> str | None:
        """The sha256 of the text the chain says this draft is approved as, if it is."""
        if self.state not in APPROVED_STATES or self.approval is None:
            return None
        revision = self.approval["revision"]
        if revision != self.current or revision not in self.texts:
            return None
        digest = self.texts[revision][0]
        said = self.approval["text_sha256"]
        if said is not None and said != digest:
            return None  # the decision names another text than the revision it is on
        return digest


def _entries(connection: Connection, where: Any) -> Iterator[dict[str, Any]]:
    """Entries with their content checked against their own hash (`ok`)."""
    cols, to_text = columns(connection.dialect.name)
    stmt = select(*cols).where(where).order_by(AuditEntry.seq)
    for row in stream_rows(connection, stmt):
        when = to_text(row[1])
        ok = hashlib.sha256(row_text(row, when).encode()).hexdigest() == row[10]
        yield {
            "seq": row[0],
            "created_at": when,
            "event": row[2],
            "actor": row[3],
            "brand": row[4],
            "draft": row[5],
            "revision": row[6],
            "guidelines_sha256": row[7],
            "payload": json.loads(row[8]),
            "ok": ok,
        }


def chained_draft(connection: Connection, draft_id: int) -> ChainedDraft:
    found = ChainedDraft(draft_id)
    for entry in _entries(connection, AuditEntry.draft_id == draft_id):
        if not entry["ok"]:
            found.broken.append(entry["seq"])
        found.fold(entry)
    return found


def drafts_with_text(connection: Connection, digest: str) -> list[int]:
    """Drafts where a chained entry introduced a text with this sha256 (a scan of the log's
    text entries: the chain has no index the tables could mislead)."""
    found = connection.execute(
        select(AuditEntry.draft_id)
        .where(
            AuditEntry.event.in_(TEXT_EVENTS),
            AuditEntry.payload.contains(f'"text_sha256":"{digest}"'),
        )
        .distinct()
    ).scalars()
    drafts = {int(d) for d in found if d is not None}
    return sorted(drafts)


def tables_with_text(connection: Connection, text: str, digest: str) -> list[tuple[int, int]]:
    """(draft, revision) of every revision row whose text is this one, by hash or by text (an
    edited row need not have its hash column updated)."""
    rows = connection.execute(
        select(Revision.draft_id, Revision.number).where(
            (Revision.text_sha256 == digest) | (Revision.text == text)
        )
    ).all()
    return sorted((int(d), int(n)) for d, n in rows)


def compare_tables(connection: Connection, chained: ChainedDraft) -> list[str]:
    """Where the drafts, revisions and decisions tables say otherwise than the chain."""
    problems: list[str] = []
    d = chained.draft
    revisions = connection.execute(
        select(Revision.number, Revision.text).where(Revision.draft_id == d)
    ).all()
    in_tables = {int(n): text_sha256(str(t)) for n, t in revisions}
    for number, digest in sorted(in_tables.items()):
        chained_text = chained.texts.get(number)
        if chained_text is None:
            problems.append(
                f"revisions table has draft {d} r{number}, which no chained entry introduced: "
                "tables were edited"
            )
        elif chained_text[0] != digest:
            problems.append(
                f"revisions table text differs from the chained hash for draft {d} r{number} "
                f"(entry {chained_text[1]}): tables were edited"
            )
    for number in sorted(set(chained.texts) - set(in_tables)):
        problems.append(
            f"draft {d} r{number} (entry {chained.texts[number][1]}) is missing from the "
            "revisions table: tables were edited"
        )
    row = connection.execute(select(Draft.state).where(Draft.id == d)).first()
    if row is not None and chained.state is not None:
        table_approved = row.state in APPROVED_STATES
        if table_approved != (chained.state in APPROVED_STATES):
            problems.append(
                f"drafts table says draft {d} is {row.state}, the chain says {chained.state}: "
                "tables were edited"
            )
    decided = sorted(
        (str(a), str(k), r)
        for a, k, r in connection.execute(
            select(Decision.actor, Decision.decision, Decision.revision).where(
                Decision.draft_id == d
            )
        ).all()
    )
    if decided != sorted(chained.all_decisions, key=lambda x: (x[0], x[1], x[2] or 0)):
        problems.append(
            f"decisions table has {len(decided)} decisions for draft {d}, the chain "
            f"{len(chained.all_decisions)} (or others): tables were edited"
        )
    return problems


# ---------------------------------------------------------------------- for `audit verify`


@dataclass(frozen=True)
class TextMismatch:
    draft: int
    revision: int
    #: the entry that chained the text (None: no entry introduced this revision)
    seq: int | None
    problem: str


def _chained_texts(connection: Connection) -> Iterator[tuple[tuple[int, int], int, str | None]]:
    stmt = (
        select(AuditEntry.draft_id, AuditEntry.revision, AuditEntry.seq, AuditEntry.payload)
        .where(AuditEntry.event.in_(TEXT_EVENTS), AuditEntry.draft_id.is_not(None))
        .order_by(AuditEntry.draft_id, AuditEntry.revision, AuditEntry.seq)
    )
    for d, r, seq, payload in stream_rows(connection, stmt):
        if r is None:
            continue
        found = _TEXT_SHA.search(payload)
        digest = found.group(1) if found else chained_text_sha256(json.loads(payload))
        yield (int(d), int(r)), int(seq), digest


def _table_texts(connection: Connection) -> Iterator[tuple[tuple[int, int], str]]:
    stmt = select(Revision.draft_id, Revision.number, Revision.text).order_by(
        Revision.draft_id, Revision.number
    )
    for d, n, text in stream_rows(connection, stmt):
        yield (int(d), int(n)), text_sha256(str(text))


def _pending_drafts(connection: Connection) -> set[int]:
    rows = connection.execute(
        select(AuditPending.draft_id).where(AuditPending.draft_id.is_not(None)).distinct()
    ).scalars()
    return {int(d) for d in rows if d is not None}


def first_text_mismatch(connection: Connection) -> TextMismatch | None:
    """The first revision (by draft, revision) whose text in the table is not the text its
    entry chained, or that only one side has. Two sorted streams, merged: flat memory."""
    chained = _dedupe(_chained_texts(connection))
    tables = _table_texts(connection)
    pending: set[int] | None = None
    c = next(chained, None)
    t = next(tables, None)
    while c is not None or t is not None:
        if t is None or (c is not None and c[0] < t[0]):
            assert c is not None
            (d, r), seq, _ = c
            return TextMismatch(d, r, seq, f"draft {d} r{r} is missing from the revisions table")
        if c is None or t[0] < c[0]:
            (d, r), _ = t
            if pending is None:
                pending = _pending_drafts(connection)
            if d not in pending:  # its entries may be written but not sealed yet
                return TextMismatch(
                    d, r, None, f"draft {d} r{r} is in the revisions table but no entry chained it"
                )
            t = next(tables, None)
            continue
        (d, r), seq, digest = c
        if digest != t[1]:
            return TextMismatch(
                d,
                r,
                seq,
                f"the revisions table's text of draft {d} r{r} differs from the text this "
                "entry chained",
            )
        c, t = next(chained, None), next(tables, None)
    return None


def _dedupe(
    rows: Iterator[tuple[tuple[int, int], int, str | None]],
) -> Iterator[tuple[tuple[int, int], int, str | None]]:
    """The last entry for each (draft, revision): the text that revision ended up with."""
    last: tuple[tuple[int, int], int, str | None] | None = None
    for row in rows:
        if last is not None and last[0] != row[0]:
            yield last
        last = row
    if last is not None:
        yield last

"""The portal's reads. Every one takes a `Viewer` and restricts rows with its clauses."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, select, text
from sqlalchemy.orm import Session, aliased

from bot.audit.chain import canonical_json, format_time
from bot.audit.export import CSV_FIELDS, iter_entries
from bot.portal.access import Viewer
from bot.portal.diff import highlighted, word_diff
from bot.portal.reading import reading
from models import AuditEntry, Decision, Draft, ReviewStage, Revision, StageApprover
from models.db import Database

PAGE = 50
MAX_PAGE = 200
#: counts beyond this are shown as "COUNT_CAP+"
COUNT_CAP = 10_000
EXCERPT = 160


@dataclass(frozen=True)
class DraftFilters:
    brand: str | None = None
    state: str | None = None
    submitter: str | None = None
    approver: str | None = None
    rule: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None
    before: int | None = None
    limit: int = PAGE


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _rule_clause(dialect: str, rule: str) -> Any:
    """Drafts with a finding of `rule` in any revision (GIN index over findings on PostgreSQL)."""
    if dialect == "postgresql":
        return text(
            "EXISTS (SELECT 1 FROM revisions rr WHERE rr.draft_id = drafts.id AND "
            "((rr.check_result::jsonb) -> 'findings') @> CAST(:rule_json AS jsonb))"
        ).bindparams(rule_json=json.dumps([{"rule": rule}]))
    return text(
        "EXISTS (SELECT 1 FROM revisions rr, json_each(rr.check_result, '$.findings') f "
        "WHERE rr.draft_id = drafts.id AND json_extract(f.value, '$.rule') = :rule_id)"
    ).bindparams(rule_id=rule)


#: drafts (the newest under the other filters) a text search reads one by one before it asks
#: the trigram index instead: a common word fills a page long before, a rare one does not
SEARCH_WINDOW = 1000


def _filtered(viewer: Viewer, f: DraftFilters, dialect: str) -> Any:
    """The drafts under every filter but the text search, as a SELECT of the page's columns."""
    stmt: Any = select(
        Draft.id,
        Draft.brand_id,
        Draft.platform,
        Draft.kind,
        Draft.state,
        Draft.submitter,
        Draft.created_at,
        Draft.current_revision,
    ).where(viewer.drafts_clause())
    if f.brand:
        stmt = stmt.where(Draft.brand_id == f.brand)
    if f.state:
        stmt = stmt.where(Draft.state == f.state)
    if f.submitter:
        stmt = stmt.where(Draft.submitter == f.submitter)
    if f.approver:
        stmt = stmt.where(
            exists()
            .where(ReviewStage.draft_id == Draft.id)
            .where(StageApprover.stage_id == ReviewStage.id)
            .where(StageApprover.user_id == f.approver)
        )
    if f.rule:
        stmt = stmt.where(_rule_clause(dialect, f.rule))
    if f.since is not None:
        stmt = stmt.where(Draft.created_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(Draft.created_at < f.until)
    if f.before is not None:
        stmt = stmt.where(Draft.id < f.before)
    return stmt


def _newest(f: DraftFilters) -> Any:
    # With a date range, PostgreSQL would walk the primary key newest first expecting to meet
    # the period soon, and read half the table for an old week (measured: 450 ms at 1M drafts);
    # `id + 0` hides that order, so it finds the period by its created_at index and sorts it.
    return (Draft.id + 0) if f.since is not None or f.until is not None else Draft.id


def _text_match(q: str) -> Any:
    """The draft's current revision contains `q` (case-insensitive, % and _ literal).

    A scalar subquery, not EXISTS: PostgreSQL cannot turn it into a join, so it looks up each
    draft's revision by its key as the walk meets it; as a semi-join it merged against every
    brand's revisions walked newest first (five times the rows, more under other filters).
    """
    match = aliased(Revision, name="matched")
    return (
        select(match.text.ilike(_like(q), escape="\\"))
        .where(match.draft_id == Draft.id, match.number == Draft.current_revision)
        .scalar_subquery()
        .is_(True)
    )


def _page(drafts: Any, f: DraftFilters, limit: int) -> Any:
    """Newest first, `limit` + 1 rows (to know whether another page follows), each joined to
    its current revision only once the page is chosen: joining first made PostgreSQL hash
    every revision for a date range (a sequential scan of all of them)."""
    page = drafts.order_by(_newest(f).desc()).limit(limit + 1).subquery("page")
    return (
        select(
            *page.c,
            func.substr(Revision.text, 1, EXCERPT + 1).label("excerpt"),
            Revision.verdict,
        )
        .join(
            Revision,
            and_(Revision.draft_id == page.c.id, Revision.number == page.c.current_revision),
        )
        .order_by(page.c.id.desc())
    )


#: the older drafts whose revisions hold a searched text are checked this many at a time
HIT_CHUNK = 1000


def _page_rows(
    session: Session, dialect: str, viewer: Viewer, f: DraftFilters, ran: list[Any] | None = None
) -> list[Any]:
    """The rows of one page (`limit` + 1 at most, to know whether another follows).

    Without a text search (or on SQLite), one statement. With one on PostgreSQL, the newest
    SEARCH_WINDOW drafts under the other filters are read one by one first (a common word fills
    the page there); only if the page is not full does the trigram index list the older
    revisions holding the text, a short list since the text is then rare, and those drafts are
    looked up by their keys. Either way the work is bounded, whatever the planner would guess of
    a word's frequency (the two plans differ a hundredfold at a million drafts).
    """

    def run(stmt: Any) -> Any:
        if ran is not None:
            ran.append(stmt)
        return session.execute(stmt)

    limit = max(1, min(f.limit, MAX_PAGE))
    drafts = _filtered(viewer, f, dialect)
    if not f.q:
        return list(run(_page(drafts, f, limit)).all())
    matches = _text_match(f.q)
    if dialect != "postgresql":
        return list(run(_page(drafts.where(matches), f, limit)).all())
    floor = run(
        drafts.with_only_columns(Draft.id)
        .order_by(_newest(f).desc())
        .offset(SEARCH_WINDOW - 1)
        .limit(1)
    ).scalar()
    if floor is None:  # fewer than SEARCH_WINDOW drafts under the filters: read them all
        return list(run(_page(drafts.where(matches), f, limit)).all())
    rows = list(run(_page(drafts.where(Draft.id >= floor, matches), f, limit)).all())
    if len(rows) > limit:
        return rows
    # The text alone, unordered: an ORDER BY or a range of draft ids would tempt the planner
    # into walking every revision by draft_id instead of asking the trigram index.
    hits = run(select(Revision.draft_id).where(Revision.text.ilike(_like(f.q), escape="\\")))
    older = sorted({d for d in hits.scalars() if d < floor}, reverse=True)
    for start in range(0, len(older), HIT_CHUNK):
        chunk = older[start : start + HIT_CHUNK]
        # the text is checked again: a hit may be in an older revision, not the current one
        found = drafts.where(Draft.id.in_(chunk), matches)
        rows += run(_page(found, f, limit - len(rows))).all()
        if len(rows) > limit:
            break
    return rows


def page_statements(db: Database, viewer: Viewer, f: DraftFilters) -> list[Any]:
    """The SELECTs one page runs (for EXPLAIN, in tests and benchmarks)."""
    ran: list[Any] = []
    with reading(db) as session:
        _page_rows(session, db.dialect, viewer, f, ran)
    return ran


def drafts_page(db: Database, viewer: Viewer, f: DraftFilters) -> dict[str, Any]:
    """One page of the drafts the viewer may see, newest first; `next` is the keyset cursor."""
    limit = max(1, min(f.limit, MAX_PAGE))
    with reading(db) as session:
        rows = _page_rows(session, db.dialect, viewer, f)
    more = len(rows) > limit
    rows = rows[:limit]
    drafts = [
        {
            "id": r.id,
            "brand": r.brand_id,
            "platform": r.platform,
            "kind": r.kind,
            "state": r.state,
            "submitter": r.submitter,
            "created_at": format_time(r.created_at),
            "revision": r.current_revision,
            "verdict": r.verdict,
            "excerpt": r.excerpt if len(r.excerpt) <= EXCERPT else r.excerpt[:EXCERPT] + "…",
        }
        for r in rows
    ]
    return {"drafts": drafts, "next": drafts[-1]["id"] if more and drafts else None}


def draft_timeline(db: Database, viewer: Viewer, draft_id: int) -> dict[str, Any] | None:
    """The draft's whole story, or None when it does not exist or is not the viewer's to see."""
    with reading(db) as session:
        draft = session.get(Draft, draft_id)
        if draft is None or not viewer.sees_draft(draft.brand_id, draft.submitter):
            return None
        revisions = list(draft.revisions)
        decisions = session.execute(
            select(Decision, ReviewStage)
            .join(ReviewStage, Decision.stage_id == ReviewStage.id)
            .where(Decision.draft_id == draft_id)
            .order_by(Decision.created_at, Decision.id)
        ).all()
        out_revisions: list[dict[str, Any]] = []
        previous: str | None = None
        for rev in revisions:
            findings = list((rev.check_result or {}).get("findings") or [])
            out_revisions.append(
                {
                    "number": rev.number,
                    "author": rev.author,
                    "event": rev.origin_event,
                    "verdict": rev.verdict,
                    "created_at": format_time(rev.created_at),
                    "guidelines_sha256": rev.guidelines_sha256,
                    "text": rev.text,
                    "findings": findings,
                    "segments": highlighted(rev.text, findings),
                    "diff": None if previous is None else word_diff(previous, rev.text),
                }
            )
            previous = rev.text
        data = {
            "id": draft.id,
            "brand": draft.brand_id,
            "platform": draft.platform,
            "kind": draft.kind,
            "sponsored": draft.sponsored,
            "state": draft.state,
            "submitter": draft.submitter,
            "context": draft.context,
            "notes": draft.notes,
            "override_reason": draft.override_reason,
            "auto_approved_by": draft.auto_approved_by,
            "published_url": draft.published_url,
            "created_at": format_time(draft.created_at),
            "revisions": out_revisions,
            "decisions": [
                {
                    "round": s.review_round,
                    "stage": s.number,
                    "group": s.group_name,
                    "actor": d.actor,
                    "decision": d.decision,
                    "reason": d.reason,
                    "revision": d.revision,
                    "at": format_time(d.created_at),
                }
                for d, s in decisions
            ],
        }
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.draft_id == draft_id).order_by(AuditEntry.seq)
        ).all()
        data["audit"] = [_entry(e) for e in entries]
    return data


def _entry(e: AuditEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "created_at": format_time(e.created_at),
        "event": e.event,
        "actor": e.actor,
        "brand": e.brand_id,
        "draft": e.draft_id,
        "revision": e.revision,
        "guidelines_sha256": e.guidelines_sha256,
        "payload": json.loads(e.payload),
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }


@dataclass(frozen=True)
class AuditFilters:
    brand: str | None = None
    event: str | None = None
    actor: str | None = None
    draft: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    before: int | None = None
    limit: int = 100


def audit_page(db: Database, viewer: Viewer, f: AuditFilters) -> dict[str, Any]:
    """Entries of the viewer's audited brands, newest first, keyset-paged on `seq`."""
    limit = max(1, min(f.limit, MAX_PAGE))
    stmt = select(AuditEntry).where(viewer.audit_clause())
    if f.brand:
        stmt = stmt.where(AuditEntry.brand_id == f.brand)
    if f.event:
        stmt = stmt.where(AuditEntry.event == f.event)
    if f.actor:
        stmt = stmt.where(AuditEntry.actor == f.actor)
    if f.draft is not None:
        stmt = stmt.where(AuditEntry.draft_id == f.draft)
    if f.since is not None:
        stmt = stmt.where(AuditEntry.created_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEntry.created_at < f.until)
    if f.before is not None:
        stmt = stmt.where(AuditEntry.seq < f.before)
    stmt = stmt.order_by(AuditEntry.seq.desc()).limit(limit + 1)
    with reading(db) as session:
        rows = session.scalars(stmt).all()
        counts = {brand: capped_count(session, brand) for brand in sorted(viewer.audits)}
    more = len(rows) > limit
    entries = [_entry(e) for e in rows[:limit]]
    return {
        "entries": entries,
        "next": entries[-1]["seq"] if more and entries else None,
        "counts": counts,
        "counts_capped_at": COUNT_CAP,
    }


def capped_count(session: Session, brand: str) -> int:
    """The brand's entries, counted up to COUNT_CAP + 1 only: an exact count of a brand with
    millions of entries reads them all on every page view, for a number nobody needs exactly
    (the page says "10,000+"). Bounded work on the (brand_id, seq) index."""
    first = (
        select(AuditEntry.seq).where(AuditEntry.brand_id == brand).limit(COUNT_CAP + 1).subquery()
    )
    return int(session.scalar(select(func.count()).select_from(first)) or 0)


@dataclass
class Export:
    brand: str
    fmt: str
    since: datetime | None = None
    until: datetime | None = None
    count: int = field(default=0)


def stream_export(db: Database, viewer: Viewer, req: Export) -> Iterator[bytes]:
    """The brand's entries as `bot.audit.export` writes them (JSON lines: canonical entry and
    hash; CSV: the same columns as `audit export --format csv`), one chunk at a time."""
    if not viewer.sees_audit_of(req.brand):
        raise PermissionError(req.brand)
    lines = iter_entries(db, since=req.since, until=req.until, brand=req.brand)
    if req.fmt == "jsonl":
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= 500:
                yield "".join(chunk).encode()
                chunk = []
        if chunk:
            yield "".join(chunk).encode()
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for n, line in enumerate(lines, 1):
        e = json.loads(line)
        payload = canonical_json(e["payload"])
        row = (e["seq"], e["created_at"], e["event"], e["actor"], e["brand"], e["draft"])
        rest = (e["revision"], e["guidelines_sha256"], payload, e["prev_hash"], e["hash"])
        writer.writerow(["" if v is None else v for v in (*row, *rest)])
        if n % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()

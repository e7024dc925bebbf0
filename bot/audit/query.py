"""Reading the log back: one draft's history, and `match`: did the chain approve this text?"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from bot.audit.chained import (
    ChainedDraft,
    chained_draft,
    compare_tables,
    drafts_with_text,
    tables_with_text,
    text_sha256,
)
from bot.audit.export import iter_entries
from models import AuditEntry
from models.db import Database


def draft_history(db: Database, draft_id: int) -> list[dict[str, Any]]:
    """Every audit entry about one draft, in chain order (each with its seq and hash)."""
    return [json.loads(line) for line in iter_entries(db, draft_id=draft_id)]


def brands_in_log(db: Database) -> list[str]:
    """Every brand id that has entries in the log."""
    with db.reading() as session:
        found = session.scalars(
            select(AuditEntry.brand_id).where(AuditEntry.brand_id.is_not(None)).distinct()
        ).all()
    return sorted(str(brand) for brand in found)


@dataclass
class MatchResult:
    """`audit match`: what the chain says about a text, and where the tables disagree."""

    matches: list[dict[str, Any]] = field(default_factory=list)
    #: "... tables were edited" lines: the drafts/revisions/decisions tables say otherwise
    disagreements: list[str] = field(default_factory=list)

    @property
    def approved(self) -> bool:
        return any(m["approved"] for m in self.matches)


def match_chain(db: Database, text: str) -> MatchResult:
    """Every chained revision whose text is exactly `text`, with whether the chain approved it.

    `approved` is true only when a chained decision approved that revision, it is the draft's
    last revision, the draft is still approved (or published) along the chain, and every hash
    agrees. The tables are read only to report where they disagree with the chain.
    """
    digest = text_sha256(text)
    result = MatchResult()
    with db.read_engine.connect() as connection, connection.begin():
        drafts = drafts_with_text(connection, digest)
        in_tables = tables_with_text(connection, text, digest)
        looked = sorted(set(drafts) | {d for d, _ in in_tables})
        for draft_id in looked:
            chained = chained_draft(connection, draft_id)
            for seq in chained.broken:
                result.disagreements.append(
                    f"entry {seq} of draft {draft_id} does not match its hash: "
                    "run `brandgate audit verify`"
                )
            result.disagreements.extend(compare_tables(connection, chained))
            approved_as = chained.approved_text()
            for revision, (sha, seq, author) in sorted(chained.texts.items()):
                if sha != digest:
                    continue
                # approved_text() is only set for the approved revision, the current one
                approved = approved_as == digest and revision == chained.current
                result.matches.append(_match(chained, revision, seq, author, approved))
    return result


def _match(
    chained: ChainedDraft, revision: int, seq: int, author: str, approved: bool
) -> dict[str, Any]:
    approval = chained.approval if approved else None
    return {
        "draft": chained.draft,
        "brand": chained.brand,
        "platform": chained.platform,
        "kind": chained.kind,
        "submitter": chained.submitter,
        "revision": revision,
        "author": author,
        "current_revision": chained.current,
        "state": chained.state,
        "approved": approved,
        "approved_at": approval["at"] if approval else None,
        "approved_by_policy": approval["policy"] if approval else None,
        "decisions": [{k: v for k, v in d.items() if k != "seq"} for d in chained.decisions],
        "published_url": chained.published_url,
        "guidelines_sha256": chained.checked_with.get(revision),
        "introduced_by": seq,
        "audit_seq": chained.decided_seqs,
    }


def match_text(db: Database, text: str) -> list[dict[str, Any]]:
    """The matches of `match_chain` alone."""
    return match_chain(db, text).matches

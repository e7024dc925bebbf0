"""`audit reconcile`: what was really published, against what was approved.

Each published text is matched against the brand's approved revisions: equal after collapsing
whitespace and the evasion normalisation (bot/engine/normalize.py) -> `approved`; else the
MinHash index the duplicate check uses proposes the closest approved revisions and a word diff
says what changed -> `altered`; else `unapproved`. Approved drafts never seen are `unpublished`.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Connection, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from bot.audit.chain import format_time
from bot.audit.events import AuditEvent
from bot.audit.log import append
from bot.audit.origin import current_origin
from bot.engine.near_duplicates import (
    SIGNATURE_VERSION,
    BrandIndex,
    Signature,
    signature,
    similarity,
)
from bot.engine.normalize import normalize
from models import AuditEntry, Draft, Revision, RevisionSignature
from models.base import as_utc
from models.db import Database
from models.signatures import SignatureBand

APPROVED_STATES = ("approved", "published")
#: below this estimated Jaccard similarity a post is `unapproved`, not an altered approval
MIN_SIMILARITY = 0.3
#: band keys / revision ids per IN (...) lookup
LOOKUP_CHUNK = 500
#: band keys per lookup: a post not copied exactly asks for 32 keys, so 2,000 of them made 128
#: round trips of 500; fewer, larger IN lists cut the per-statement waits on a busy server
#: (kept under SQLite's 32,766 bound parameters)
BAND_CHUNK = 8000
#: accepted column names (lower case), the first for each field being ours; the others are
#: those of Instagram's (Meta Business Suite) and X's own content exports
ALIASES: Mapping[str, tuple[str, ...]] = {
    "text": ("text", "caption", "description", "tweet text", "post text", "full_text", "message"),
    "url": ("url", "permalink", "tweet permalink", "link", "post link"),
    "published_at": ("published_at", "publish time", "time", "date", "created_at", "timestamp"),
    "platform": ("platform", "network"),
}


def exact_key(text: str) -> str:
    """Equal for texts equal modulo whitespace, case and the evasion normalisation."""
    return " ".join(normalize(text).text.split()).casefold()


def word_diff(approved: str, published: str) -> str:
    """`-removed +added` words, the rest unchanged: what an auditor reads at a glance."""
    a, b = approved.split(), published.split()
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(a[i1:i2])
            continue
        out.extend(f"[-{w}-]" for w in a[i1:i2])
        out.extend(f"{{+{w}+}}" for w in b[j1:j2])
    return " ".join(out)


def published_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Our field names from a row under any accepted column name."""
    lowered = {str(k).strip().lower(): v for k, v in fields.items()}
    found: dict[str, Any] = {}
    for name, aliases in ALIASES.items():
        for alias in aliases:
            if lowered.get(alias) not in (None, ""):
                found[name] = lowered[alias]
                break
    return found


@dataclass(frozen=True)
class _Approved:
    draft: int
    revision: int
    #: the revisions row's id (what the duplicate check's signature index is keyed by)
    revision_id: int
    text: str
    #: whether the duplicate check stored this revision's signature and bands
    indexed: bool = True


def _approved(connection: Connection, brand: str) -> list[_Approved]:
    """The brand's approved drafts (their current revisions): texts only, no signatures."""
    current = (
        select(
            Draft.id.label("draft"),
            Revision.number.label("number"),
            Revision.id.label("revision_id"),
            Revision.text.label("text"),
        )
        .join(
            Revision,
            (Revision.draft_id == Draft.id) & (Revision.number == Draft.current_revision),
        )
        .where(Draft.brand_id == brand, Draft.state.in_(APPROVED_STATES))
    )
    # Normally none: the duplicate check indexes every revision when it is written.
    sub = current.subquery()
    signed = (
        select(RevisionSignature.revision_id)
        .where(
            RevisionSignature.revision_id == sub.c.revision_id,
            RevisionSignature.version == SIGNATURE_VERSION,
        )
        .exists()
    )
    unindexed: set[int] = set(
        connection.execute(select(sub.c.revision_id).where(~signed)).scalars()
    )
    rows = connection.execute(current.order_by(Draft.id)).all()
    return [_Approved(int(d), int(n), int(r), str(t), r not in unindexed) for d, n, r, t in rows]


def _approved_at(connection: Connection, brand: str) -> dict[int, datetime]:
    """When each draft of the brand was last decided along the chain (its approval, for an
    approved draft: nothing is decided after it)."""
    rows = connection.execute(
        select(AuditEntry.draft_id, func.max(AuditEntry.created_at))
        .where(
            AuditEntry.brand_id == brand,
            AuditEntry.event == "decided",
            AuditEntry.draft_id.is_not(None),
        )
        .group_by(AuditEntry.draft_id)
    )
    return {int(d): as_utc(t) for d, t in rows if d is not None}


class _Near:
    """The closest approved revision of texts that are not exact copies.

    Candidates come from the LSH bands the duplicate check stored for every revision
    (`signature_bands`, one indexed lookup per band key) and only their MinHash signatures are
    read, so the cost follows the posts that are not exact copies, not the size of the brand's
    history. Approved revisions the check never indexed are signed here, in memory.
    """

    def __init__(self, connection: Connection, brand: str, approved: list[_Approved]) -> None:
        self.connection = connection
        self.brand = brand
        self.by_revision = {a.revision_id: a for a in approved}
        self.unindexed = [a for a in approved if not a.indexed]
        self._memory: BrandIndex | None = None

    def _memory_index(self) -> BrandIndex:
        if self._memory is None:
            self._memory = BrandIndex()
            if self.unindexed:
                matrix = np.stack([signature(a.text).minhash for a in self.unindexed])
                self._memory.add_many(
                    [str(a.revision_id) for a in self.unindexed],
                    matrix,
                    np.zeros(len(self.unindexed), dtype=np.float64),
                )
        return self._memory

    @property
    def _postgresql(self) -> bool:
        return self.connection.dialect.name == "postgresql"

    def _among(self, column: Any, values: list[int]) -> ColumnElement[bool]:
        """`column IN values`. On PostgreSQL one array parameter (`= ANY(:values)`): a single
        statement for any number of keys, an index scan all the same, and no SQL text of
        thousands of placeholders to render and parse; SQLite caps a statement's parameters,
        so there the callers send chunks."""
        if self._postgresql:
            return column == any_(bindparam(None, values, type_=ARRAY(BigInteger)))
        return column.in_(values)

    def closest(self, texts: list[str]) -> list[tuple[_Approved, float] | None]:
        sigs = [signature(t) for t in texts]
        wanted: dict[int, set[int]] = {}  # band key -> rows asking for it
        for i, sig in enumerate(sigs):
            for key in sig.bands:
                wanted.setdefault(key, set()).add(i)
        candidates: dict[int, set[int]] = {}  # row -> revision ids sharing a band with it
        keys = list(wanted)
        step = (len(keys) or 1) if self._postgresql else BAND_CHUNK
        for start in range(0, len(keys), step):
            chunk = keys[start : start + step]
            found = self.connection.execute(
                select(SignatureBand.revision_id, SignatureBand.band_key).where(
                    SignatureBand.brand_id == self.brand,
                    self._among(SignatureBand.band_key, chunk),
                )
            )
            for revision_id, key in found:
                if revision_id in self.by_revision:
                    for i in wanted[key]:
                        candidates.setdefault(i, set()).add(int(revision_id))
        minhashes = self._minhashes({r for rs in candidates.values() for r in rs})
        results: list[tuple[_Approved, float] | None] = []
        for i, sig in enumerate(sigs):
            best: tuple[float, int] | None = None
            for revision_id in candidates.get(i, ()):
                score = similarity(sig.minhash, minhashes[revision_id])
                if score >= MIN_SIMILARITY and (
                    best is None or (score, -revision_id) > (best[0], -best[1])
                ):
                    best = (score, revision_id)
            if self.unindexed and sig.bands:
                near = self._memory_index().search(sig.minhash, None, MIN_SIMILARITY)
                if near and (best is None or near[0].similarity > best[0]):
                    best = (near[0].similarity, int(near[0].draft_id))
            results.append(None if best is None else (self.by_revision[best[1]], best[0]))
        return results

    def _minhashes(self, revision_ids: set[int]) -> dict[int, np.ndarray]:
        found: dict[int, np.ndarray] = {}
        ids = sorted(revision_ids)
        step = (len(ids) or 1) if self._postgresql else LOOKUP_CHUNK
        for start in range(0, len(ids), step):
            rows = self.connection.execute(
                select(RevisionSignature.revision_id, RevisionSignature.minhash).where(
                    self._among(RevisionSignature.revision_id, ids[start : start + step]),
                    RevisionSignature.version == SIGNATURE_VERSION,
                )
            )
            for revision_id, minhash in rows:
                found[int(revision_id)] = Signature.minhash_from_bytes(minhash)
        return found


def _result(place: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "row": place,
        "status": "unapproved",
        "draft": None,
        "revision": None,
        "similarity": None,
        "diff": None,
    }
    for extra in ("url", "published_at", "platform"):
        if extra in fields:
            result[extra] = fields[extra]
    return result


def reconcile(
    db: Database,
    brand: str,
    rows: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    file_sha256: str,
    actor: str,
    now: datetime | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    file_name: str | None = None,
) -> list[dict[str, Any]]:
    """One result per published row (`row` is its place in the file), then the approved drafts
    never seen; logs a `reconciled` entry with the file's sha256 and the counts.

    Every approved revision counts for matching the posts; `since`/`until` (approved at, along
    the chain: from `since` inclusive, to `until` exclusive) only choose which approved drafts
    are listed as never seen published.
    """
    with db.read_engine.connect() as connection, connection.begin():
        approved = _approved(connection, brand)
        by_key: dict[str, _Approved] = {}
        for item in approved:
            by_key.setdefault(exact_key(item.text), item)
        results: list[dict[str, Any]] = []
        inexact: list[tuple[int, str]] = []
        seen: set[int] = set()
        for place, fields in rows:
            text = str(fields["text"])
            result = _result(place, fields)
            hit = by_key.get(exact_key(text))
            if hit is not None:
                result.update(
                    status="approved", draft=hit.draft, revision=hit.revision, similarity=1.0
                )
                seen.add(hit.draft)
            else:
                inexact.append((len(results), text))
            results.append(result)
        if inexact:
            near = _Near(connection, brand, approved).closest([t for _, t in inexact])
            for (i, text), found in zip(inexact, near, strict=True):
                if found is None:
                    continue
                hit, score = found
                results[i].update(
                    status="altered",
                    draft=hit.draft,
                    revision=hit.revision,
                    similarity=round(score, 2),
                    diff=word_diff(hit.text, text),
                )
                seen.add(hit.draft)
        period: dict[int, datetime] | None = None
        if since is not None or until is not None:
            period = _approved_at(connection, brand)
    for item in approved:
        if item.draft in seen:
            continue
        if period is not None:
            at = period.get(item.draft)
            if at is None or (since is not None and at < since):
                continue
            if until is not None and at >= until:
                continue
        results.append(
            {
                "row": None,
                "status": "unpublished",
                "draft": item.draft,
                "revision": item.revision,
                "similarity": None,
                "diff": None,
            }
        )
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    period_json = {
        "since": None if since is None else format_time(since),
        "until": None if until is None else format_time(until),
    }
    with db.transaction() as session:
        append(
            session,
            [
                AuditEvent(
                    "reconciled",
                    actor,
                    brand,
                    payload={
                        "file_sha256": file_sha256,
                        "counts": counts,
                        "period": period_json,
                        "origin": current_origin(),
                        # the file's own name (not its path, which may say whose folder)
                        **({} if file_name is None else {"file_name": file_name}),
                    },
                )
            ],
            now=now,
        )
    return results


def has_drafts(db: Database, brand: str) -> bool:
    with db.read_engine.connect() as connection:
        found = connection.execute(select(Draft.id).where(Draft.brand_id == brand).limit(1))
        return found.first() is not None


def sha256_file(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

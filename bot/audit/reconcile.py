"""`audit reconcile`: what was really published, against what was approved.

Each published text is matched against the brand's approved revisions: equal after collapsing
whitespace and the evasion normalisation (bot/engine/normalize.py) -> `approved`; else the
MinHash index the duplicate check uses proposes the closest approved revisions and a word diff
says what changed -> `altered`; else `unapproved`. Approved drafts never seen are `unpublished`.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from bot.audit.events import AuditEvent
from bot.audit.log import append
from bot.audit.origin import current_origin
from bot.engine.near_duplicates import SIGNATURE_VERSION, BrandIndex, Signature, signature
from bot.engine.normalize import normalize
from models import Draft, Revision, RevisionSignature
from models.db import Database

APPROVED_STATES = ("approved", "published")
#: below this estimated Jaccard similarity a post is `unapproved`, not an altered approval
MIN_SIMILARITY = 0.3
#: accepted column names (lower case), the first for each field being ours; the others are
#: those of Instagram's (Meta Business Suite) and X's own content exports
ALIASES: Mapping[str, tuple[str, ...]] = {
    "text": ("text", "caption", "description", "tweet text", "post text", "full_text", "message"),
    "url": ("url", "permalink", "tweet permalink", "link", "post link"),
    "published_at": ("published_at", "publish time", "time", "date", "created_at", "timestamp"),
    "platform": ("platform", "network"),
}
_SPACE = re.compile(r"\s+")


def exact_key(text: str) -> str:
    return _SPACE.sub(" ", normalize(text).text).strip().casefold()


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
    text: str
    #: the MinHash the duplicate check stored for this revision, if any
    minhash: bytes | None = None


def _approved(db: Database, brand: str) -> list[_Approved]:
    with db.reading() as session:
        rows = session.execute(
            select(Draft.id, Revision.number, Revision.text, RevisionSignature.minhash)
            .join(
                Revision,
                (Revision.draft_id == Draft.id) & (Revision.number == Draft.current_revision),
            )
            .outerjoin(
                RevisionSignature,
                (RevisionSignature.revision_id == Revision.id)
                & (RevisionSignature.version == SIGNATURE_VERSION),
            )
            .where(Draft.brand_id == brand, Draft.state.in_(APPROVED_STATES))
            .order_by(Draft.id)
        ).all()
    return [_Approved(int(d), int(n), str(t), m) for d, n, t, m in rows]


def _index(approved: list[_Approved]) -> BrandIndex:
    """The approved revisions' signatures (stored ones reused), loaded in one go."""
    index = BrandIndex()
    if approved:
        matrix = np.stack(
            [
                Signature.minhash_from_bytes(a.minhash)
                if a.minhash is not None
                else signature(a.text).minhash
                for a in approved
            ]
        )
        index.add_many(
            [str(a.draft) for a in approved], matrix, np.zeros(len(approved), dtype=np.float64)
        )
    return index


def reconcile(
    db: Database,
    brand: str,
    rows: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    file_sha256: str,
    actor: str,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """One result per published row (`row` is its place in the file), then the approved drafts
    never seen; logs a `reconciled` entry with the file's sha256 and the counts."""
    approved = _approved(db, brand)
    by_key: dict[str, _Approved] = {}
    by_id: dict[str, _Approved] = {}
    for item in approved:
        by_key.setdefault(exact_key(item.text), item)
        by_id[str(item.draft)] = item
    index: BrandIndex | None = None  # built only if some post is not an exact copy
    seen: set[int] = set()
    results: list[dict[str, Any]] = []
    for place, fields in rows:
        text = str(fields["text"])
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
        hit = by_key.get(exact_key(text))
        if hit is not None:
            result.update(status="approved", draft=hit.draft, revision=hit.revision, similarity=1.0)
        else:
            index = index or _index(approved)
            near = index.search(signature(text).minhash, None, MIN_SIMILARITY)
            if near:
                hit = by_id[near[0].draft_id]
                result.update(
                    status="altered",
                    draft=hit.draft,
                    revision=hit.revision,
                    similarity=round(near[0].similarity, 2),
                    diff=word_diff(hit.text, text),
                )
        if hit is not None:
            seen.add(hit.draft)
        results.append(result)
    for item in approved:
        if item.draft not in seen:
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
                        "origin": current_origin(),
                    },
                )
            ],
            now=now,
        )
    return results


def sha256_file(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

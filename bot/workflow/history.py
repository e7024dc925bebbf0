"""The database-backed `HistoryIndex`: every revision ever submitted, searchable by signature.

`record_revision` runs inside the transaction that stores a revision (submit, revise,
edit-and-approve), so the index always agrees with the drafts table. `DatabaseHistory.query`
reads the band index of the brand: one indexed lookup of BANDS keys, then a comparison of the
few candidate signatures in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.engine.history import (
    NUM_HASHES,
    SIGNATURE_VERSION,
    Signature,
    Similar,
    best_per_draft,
    signature,
)
from models import RevisionSignature, SignatureBand, utcnow
from models.db import Database


def record_revision(
    session: Session,
    *,
    brand_id: str,
    draft_id: int,
    revision_id: int,
    text: str,
    created_at: datetime,
) -> None:
    """Index one revision (texts too short to have a signature are not indexed)."""
    sig = signature(text)
    if not sig.bands:
        return
    session.add(
        RevisionSignature(
            revision_id=revision_id,
            draft_id=draft_id,
            brand_id=brand_id,
            created_at=created_at,
            version=SIGNATURE_VERSION,
            minhash=sig.to_bytes(),
        )
    )
    session.flush()
    session.execute(
        insert(SignatureBand),
        [
            {
                "revision_id": revision_id,
                "band": band,
                "band_key": key,
                "brand_id": brand_id,
                "created_at": created_at,
            }
            for band, key in enumerate(sig.bands)
        ],
    )


class DatabaseHistory:
    """A `HistoryIndex` over the `revision_signatures` and `signature_bands` tables."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utcnow) -> None:
        self.db = db
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    def query(
        self,
        brand_id: str,
        sig: Signature,
        since: datetime | None,
        min_similarity: float,
        exclude_draft: str | None = None,
    ) -> list[Similar]:
        if not sig.bands:
            return []
        bands = select(SignatureBand.revision_id).where(
            SignatureBand.brand_id == brand_id, SignatureBand.band_key.in_(sig.bands)
        )
        if since is not None:
            bands = bands.where(SignatureBand.created_at >= since)
        stmt = select(
            RevisionSignature.draft_id, RevisionSignature.minhash, RevisionSignature.created_at
        ).where(
            RevisionSignature.revision_id.in_(bands.distinct()),
            RevisionSignature.version == SIGNATURE_VERSION,
        )
        if exclude_draft is not None and exclude_draft.isdigit():
            stmt = stmt.where(RevisionSignature.draft_id != int(exclude_draft))
        with self.db.reading() as session:
            rows = session.execute(stmt).all()
        if not rows:
            return []
        matrix = np.frombuffer(b"".join(r.minhash for r in rows), dtype="<u4").reshape(
            len(rows), NUM_HASHES
        )
        scores = np.count_nonzero(matrix == sig.minhash, axis=1) / NUM_HASHES
        return best_per_draft(
            [
                Similar(str(row.draft_id), float(score), row.created_at)
                for row, score in zip(rows, scores.tolist(), strict=True)
                if score >= min_similarity
            ]
        )

"""The database-backed `HistoryIndex`: every revision ever submitted, searchable by signature.

`record_revision` runs inside the transaction that stores a revision (submit, revise,
edit-and-approve), so the index always agrees with the drafts table. `DatabaseHistory.query`
reads the band index of the brand: one indexed lookup of BANDS keys, then a comparison of the
few candidate signatures in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Integer, Select, any_, bindparam, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
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


# Built once, so that SQLAlchemy reuses the compiled SQL. The band index is covering: finding
# the candidate revisions reads the index alone. SQLite then fetches their signatures by primary
# key within the same statement. PostgreSQL gets two statements with array parameters instead:
# as one joined statement it may prefer a hash join over a scan of every signature once it
# expects a few thousand candidates, and a scan grows with the history.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: the most recent candidate revisions compared per check (a reply pasted thousands of times in
#: the window is reported as a copy of the latest ones); bounds the cost of the worst case
CANDIDATE_CAP = 2000
_signatures = RevisionSignature.__table__
_bands = SignatureBand.__table__
_COLUMNS = (_signatures.c.draft_id, _signatures.c.minhash, _signatures.c.created_at)
_SAME_VERSION = _signatures.c.version == SIGNATURE_VERSION
_NOT_EXCLUDED = _signatures.c.draft_id != bindparam("exclude")


def _candidate_ids(keys: ColumnElement[bool]) -> Select[tuple[int]]:
    return (
        select(_bands.c.revision_id)
        .where(
            _bands.c.brand_id == bindparam("brand"),
            keys,
            _bands.c.created_at >= bindparam("since"),
        )
        .distinct()
        .order_by(_bands.c.revision_id.desc())  # revision ids grow with time: latest first
        .limit(CANDIDATE_CAP)
    )


_ONE_STATEMENT = select(*_COLUMNS).where(
    _signatures.c.revision_id.in_(
        _candidate_ids(_bands.c.band_key.in_(bindparam("keys", expanding=True)))
    ),
    _SAME_VERSION,
    _NOT_EXCLUDED,
)
_PG_IDS = _candidate_ids(_bands.c.band_key == any_(bindparam("keys", type_=ARRAY(BigInteger))))
_PG_SIGNATURES = select(*_COLUMNS).where(
    _signatures.c.revision_id == any_(bindparam("ids", type_=ARRAY(Integer))),
    _SAME_VERSION,
    _NOT_EXCLUDED,
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
        params = {
            "brand": brand_id,
            "keys": list(sig.bands),
            "since": since or _EPOCH,
            "exclude": int(exclude_draft) if exclude_draft and exclude_draft.isdigit() else -1,
        }
        # A plain connection, not a session: nothing here is an ORM object.
        with self.db.read_engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                ids = list(conn.execute(_PG_IDS, params).scalars())
                if not ids:
                    return []
                rows = conn.execute(
                    _PG_SIGNATURES, {"ids": ids, "exclude": params["exclude"]}
                ).all()
            else:
                rows = conn.execute(_ONE_STATEMENT, params).all()
        if not rows:
            return []
        matrix = np.frombuffer(b"".join(r.minhash for r in rows), dtype="<u4").reshape(
            len(rows), NUM_HASHES
        )
        scores = np.count_nonzero(matrix == sig.minhash, axis=1) / NUM_HASHES
        return best_per_draft(
            [
                Similar(str(row.draft_id), score, row.created_at)
                for row, score in zip(rows, scores.tolist(), strict=True)
                if score >= min_similarity
            ]
        )

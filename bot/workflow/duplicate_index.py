"""The database-backed `HistoryIndex`: every revision ever submitted, searchable by signature.

`record_revision` runs inside the transaction that stores a revision (submit, revise,
edit-and-approve), so the signature tables always agree with the drafts table; the database is
the source of truth.

`DatabaseHistory` answers from memory: per brand, a `BrandIndex` (see
`bot.engine.near_duplicates`) of the signatures in the window, loaded on the brand's first check
and brought up to date before every check with ONE indexed query for the rows committed since the
last read. So a check costs one small round trip plus an in-memory lookup, however many earlier
drafts match, and a draft recorded by another process (or another thread) is seen by the next
check.

Reading "only what is new" must not skip a row that commits late:

- SQLite has one writer at a time and a revision takes its id inside its write transaction, so
  ids grow in commit order: the next read asks for ids above the highest one seen.
- PostgreSQL hands out ids before commit, so id 10 may commit after id 11. Each row carries its
  inserting transaction's id (`txid`, a server default), and each read also returns the oldest
  transaction still running in its snapshot (`pg_snapshot_xmin`): everything older has committed
  or rolled back and was read. The next read asks for rows from that transaction id on, minus the
  rows already held (sent as a list, normally a handful), so a late commit is found and nothing is
  added twice.

The `signature_bands` rows `record_revision` still writes are no longer read (the index keys
bands itself, from the signatures); dropping them is a later migration.

Memory: rows older than the longest window asked for are dropped (whole segments); beyond
`max_rows` over all brands, the least recently checked brands are dropped (and reloaded when
checked again). Thread-safe: one lock per brand around refresh and search.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Row, bindparam, func, insert, select, text
from sqlalchemy.orm import Session

from bot.engine.near_duplicates import (
    CANDIDATE_CAP,
    NUM_HASHES,
    SIGNATURE_VERSION,
    BrandIndex,
    Signature,
    Similar,
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


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: rows held in memory over all brands (about 1 KB each) before the least recently checked brands
#: are dropped; the brand being checked is always kept whole
DEFAULT_MAX_ROWS = 500_000
_signatures = RevisionSignature.__table__
_COLUMNS = (
    _signatures.c.revision_id,
    _signatures.c.draft_id,
    _signatures.c.created_at,
    _signatures.c.version,
    _signatures.c.minhash,
)

# SQLite: the window (first use), then the ids above the highest one seen (every check).
_SQLITE_HIGHEST = select(func.max(_signatures.c.revision_id)).where(
    _signatures.c.brand_id == bindparam("brand")
)
_SQLITE_LOAD = (
    select(*_COLUMNS)
    .where(
        _signatures.c.brand_id == bindparam("brand"), _signatures.c.created_at >= bindparam("since")
    )
    .order_by(_signatures.c.revision_id)
)
_SQLITE_NEWER = (
    select(*_COLUMNS)
    .where(
        _signatures.c.brand_id == bindparam("brand"), _signatures.c.revision_id > bindparam("after")
    )
    .order_by(_signatures.c.revision_id)
)

# PostgreSQL: one statement returns the snapshot's oldest running transaction (at least one row,
# thanks to the LEFT JOIN) with the rows; both from the same snapshot.
_PG_TEMPLATE = """
SELECT h.horizon, s.revision_id, s.draft_id, s.created_at, s.version, s.minhash, s.txid
FROM (SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint) AS horizon) AS h
LEFT JOIN LATERAL (
    SELECT revision_id, draft_id, created_at, version, minhash, txid
    FROM revision_signatures
    WHERE brand_id = :brand AND {condition}
) AS s ON true
ORDER BY s.revision_id
"""
_PG_LOAD = text(_PG_TEMPLATE.format(condition="created_at >= :since"))
_PG_NEWER = text(
    _PG_TEMPLATE.format(condition="txid >= :floor AND revision_id <> ALL(CAST(:held AS integer[]))")
)


@dataclass(eq=False)
class _BrandCache:
    """One brand's index and where its reading of the database stands."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    index: BrandIndex | None = None
    #: every row created at or after this is held (or was evicted as older than the window)
    complete_from: float = float("inf")
    #: the longest window asked for, in seconds: rows older than now minus this are dropped
    span: float = 0.0
    #: SQLite: the highest revision id read
    after: int = 0
    #: PostgreSQL: the oldest transaction running at the last read, and the rows held from
    #: transactions at or after it (revision id -> txid): read again, skipped by id
    floor: int = 0
    held: dict[int, int] = field(default_factory=dict)


class DatabaseHistory:
    """A `HistoryIndex` over `revision_signatures`: per-brand in-memory indexes kept in step."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] = utcnow,
        *,
        max_rows: int = DEFAULT_MAX_ROWS,
        candidate_cap: int = CANDIDATE_CAP,
    ) -> None:
        self.db = db
        self._clock = clock
        self.max_rows = max_rows
        self.candidate_cap = candidate_cap
        self._brands: OrderedDict[str, _BrandCache] = OrderedDict()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._clock()

    def held(self, brand_id: str) -> int:
        """How many rows of the brand are in memory (for tests and monitoring)."""
        cache = self._brands.get(brand_id)
        return len(cache.index) if cache is not None and cache.index is not None else 0

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
        since = since or _EPOCH
        floor = since.timestamp()
        with self._lock:
            cache = self._brands.get(brand_id)
            if cache is None:
                cache = self._brands[brand_id] = _BrandCache()
            self._brands.move_to_end(brand_id)
        with cache.lock:
            try:
                if cache.index is None or floor < cache.complete_from:
                    self._load(cache, brand_id, since)
                else:
                    self._refresh(cache, brand_id)
            except BaseException:
                cache.index = None  # half read: start again from the database next time
                raise
            index = cache.index
            assert index is not None
            cache.span = max(cache.span, self.now().timestamp() - floor)
            horizon = self.now().timestamp() - cache.span
            if index.evict(horizon):
                cache.complete_from = max(cache.complete_from, horizon)
            found = index.search(
                sig.minhash, floor, min_similarity, exclude_draft, cap=self.candidate_cap
            )
        self._trim(keep=brand_id)
        return found

    # ------------------------------------------------------------------ reading the database

    def _load(self, cache: _BrandCache, brand_id: str, since: datetime) -> None:
        """The brand's rows created at or after `since`, into a new index."""
        params = {"brand": brand_id, "since": since}
        with self.db.read_engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                rows = conn.execute(_PG_LOAD, params).all()
                horizon = int(rows[0].horizon)
                rows = [r for r in rows if r.revision_id is not None]
                cache.floor = horizon
                cache.held = {
                    r.revision_id: r.txid for r in rows if r.txid is not None and r.txid >= horizon
                }
            else:
                with conn.begin():  # one snapshot for both statements
                    highest = conn.execute(_SQLITE_HIGHEST, params).scalar()
                    rows = conn.execute(_SQLITE_LOAD, params).all()
                cache.after = highest or 0
        index = BrandIndex()
        _add(index, rows, bulk=True)
        cache.index = index
        cache.complete_from = since.timestamp()

    def _refresh(self, cache: _BrandCache, brand_id: str) -> None:
        """The rows committed since the last read: one indexed query."""
        assert cache.index is not None
        with self.db.read_engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                rows = conn.execute(
                    _PG_NEWER,
                    {"brand": brand_id, "floor": cache.floor, "held": list(cache.held)},
                ).all()
                horizon = int(rows[0].horizon)
                rows = [r for r in rows if r.revision_id is not None]
                held = {rid: txid for rid, txid in cache.held.items() if txid >= horizon}
                held.update((r.revision_id, r.txid) for r in rows if r.txid >= horizon)
                cache.floor, cache.held = horizon, held
            else:
                rows = conn.execute(_SQLITE_NEWER, {"brand": brand_id, "after": cache.after}).all()
                if rows:
                    cache.after = rows[-1].revision_id
        _add(cache.index, rows, bulk=False)

    def _trim(self, keep: str) -> None:
        """Drop the least recently checked brands while over `max_rows`."""
        with self._lock:
            total = sum(len(c.index) for c in self._brands.values() if c.index is not None)
            for brand_id in list(self._brands):
                if total <= self.max_rows:
                    break
                if brand_id == keep:
                    continue
                cache = self._brands.pop(brand_id)
                total -= len(cache.index) if cache.index is not None else 0


def _add(index: BrandIndex, rows: Sequence[Row[Any]], *, bulk: bool) -> None:
    rows = [r for r in rows if r.version == SIGNATURE_VERSION]
    if not rows:
        return
    matrix = np.frombuffer(b"".join(r.minhash for r in rows), dtype="<u4")
    matrix = matrix.astype(np.uint32).reshape(len(rows), NUM_HASHES)
    stamps = np.fromiter((r.created_at.timestamp() for r in rows), np.float64, len(rows))
    draft_ids = [str(r.draft_id) for r in rows]
    if bulk:
        index.add_many(draft_ids, matrix, stamps)
    else:
        for i, draft_id in enumerate(draft_ids):
            index.add(draft_id, matrix[i], float(stamps[i]))

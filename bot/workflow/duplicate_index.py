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

The first check of a brand is bounded: loading 100,000 rows into memory takes seconds, so a
brand whose window holds more than `inline_rows` rows is not loaded in the check's path. That
check (and every one until the load lands) is answered from the database by its LSH band keys
(`signature_bands`, which `record_revision` writes beside each signature: one lookup on the
covering index, then the candidates' signatures only), while a background thread loads the
window; once installed, checks answer from memory and refresh as above. Both paths compare the
same candidates with the same exact test, so they answer the same. `audit reconcile` reads the
band rows too.

Memory: rows older than the longest window asked for are dropped (whole segments); beyond
`max_rows` over all brands, the least recently checked brands are dropped (and reloaded when
checked again). Thread-safe: one lock per brand around refresh and search.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import Row, bindparam, func, insert, literal, select, text
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

log = logging.getLogger(__name__)


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
#: a brand's window of at most this many rows is loaded within its first check (tens of ms);
#: a larger one is loaded in the background while checks ask the database by band
DEFAULT_INLINE_ROWS = 5_000
_signatures = RevisionSignature.__table__
_bands = SignatureBand.__table__
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
    _PG_TEMPLATE.format(
        condition="txid >= :floor AND created_at >= :since"
        " AND revision_id <> ALL(CAST(:held AS integer[]))"
    )
)


# Is the brand's window larger than `inline_rows`? An index-only probe of (brand, created_at).
_WINDOW_EXCEEDS = (
    select(literal(1))
    .select_from(_signatures)
    .where(
        _signatures.c.brand_id == bindparam("brand"), _signatures.c.created_at >= bindparam("since")
    )
    .offset(bindparam("rows"))
    .limit(1)
)
# The window's rows sharing a band key with the query (covering index on signature_bands), the
# latest `cap` of them (revision ids grow with arrival, as in memory).
_BY_BANDS = (
    select(*_COLUMNS)
    .where(
        _signatures.c.revision_id.in_(
            select(_bands.c.revision_id).where(
                _bands.c.brand_id == bindparam("brand"),
                _bands.c.band_key.in_(bindparam("keys", expanding=True)),
                _bands.c.created_at >= bindparam("since"),
            )
        ),
        _signatures.c.draft_id != bindparam("exclude"),
    )
    .order_by(_signatures.c.revision_id.desc())
    .limit(bindparam("cap"))
)


@dataclass(eq=False)
class _Loaded:
    """A brand's window read from the database, with where that reading stands."""

    index: BrandIndex
    since: float
    after: int = 0
    floor: int = 0
    held: dict[int, int] = field(default_factory=dict)


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
    #: the background load under way, if any
    loader: threading.Thread | None = None

    def install(self, loaded: _Loaded) -> None:
        self.index = loaded.index
        self.complete_from = loaded.since
        self.after, self.floor, self.held = loaded.after, loaded.floor, loaded.held


class DatabaseHistory:
    """A `HistoryIndex` over `revision_signatures`: per-brand in-memory indexes kept in step."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime] = utcnow,
        *,
        max_rows: int = DEFAULT_MAX_ROWS,
        candidate_cap: int = CANDIDATE_CAP,
        inline_rows: int = DEFAULT_INLINE_ROWS,
        background: bool = True,
    ) -> None:
        """`background=False`: a window larger than `inline_rows` is never loaded into
        memory, every check of that brand asks the database by band (for tests, and for
        processes that must keep memory flat)."""
        self.db = db
        self._clock = clock
        self.max_rows = max_rows
        self.candidate_cap = candidate_cap
        self.inline_rows = inline_rows
        self.background = background
        self._brands: OrderedDict[str, _BrandCache] = OrderedDict()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._clock()

    def held(self, brand_id: str) -> int:
        """How many rows of the brand are in memory (for tests and monitoring)."""
        cache = self._brands.get(brand_id)
        return len(cache.index) if cache is not None and cache.index is not None else 0

    def wait_loaded(self, brand_id: str, timeout: float | None = None) -> bool:
        """Wait for the brand's background load, if one is under way; True once none is."""
        cache = self._brands.get(brand_id)
        loader = cache.loader if cache is not None else None
        if loader is not None:
            loader.join(timeout)
            return not loader.is_alive()
        return True

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
                    if cache.loader is not None or self._window_exceeds(brand_id, since):
                        self._start_loading(cache, brand_id, since)
                        return self._by_bands(brand_id, sig, since, min_similarity, exclude_draft)
                    cache.install(self._read_window(brand_id, since))
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

    def _read_window(self, brand_id: str, since: datetime) -> _Loaded:
        """The brand's rows created at or after `since`, into a new index."""
        params = {"brand": brand_id, "since": since}
        loaded = _Loaded(BrandIndex(), since.timestamp())
        with self.db.read_engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                rows = conn.execute(_PG_LOAD, params).all()
                horizon = int(rows[0].horizon)
                rows = [r for r in rows if r.revision_id is not None]
                loaded.floor = horizon
                loaded.held = {
                    r.revision_id: r.txid for r in rows if r.txid is not None and r.txid >= horizon
                }
            else:
                with conn.begin():  # one snapshot for both statements
                    highest = conn.execute(_SQLITE_HIGHEST, params).scalar()
                    rows = conn.execute(_SQLITE_LOAD, params).all()
                loaded.after = highest or 0
        _add(loaded.index, rows, bulk=True)
        return loaded

    def _window_exceeds(self, brand_id: str, since: datetime) -> bool:
        with self.db.read_engine.connect() as conn:
            found = conn.execute(
                _WINDOW_EXCEEDS, {"brand": brand_id, "since": since, "rows": self.inline_rows}
            ).first()
        return found is not None

    def _start_loading(self, cache: _BrandCache, brand_id: str, since: datetime) -> None:
        """Load the window in a background thread (once at a time per brand; the caller holds
        `cache.lock`). The load's own reading position comes with it, so the first refresh
        after it is installed reads whatever committed meanwhile."""
        if not self.background or cache.loader is not None:
            return

        def load() -> None:
            try:
                loaded = self._read_window(brand_id, since)
            except Exception:
                log.warning("loading the duplicate index of %s failed", brand_id, exc_info=True)
                loaded = None
            with cache.lock:
                cache.loader = None
                if loaded is not None and (
                    cache.index is None or loaded.since < cache.complete_from
                ):
                    cache.install(loaded)
            if loaded is not None:
                self._trim(keep=brand_id)

        cache.loader = threading.Thread(
            target=load, name=f"duplicate-index-{brand_id}", daemon=True
        )
        cache.loader.start()

    def _by_bands(
        self,
        brand_id: str,
        sig: Signature,
        since: datetime,
        min_similarity: float,
        exclude_draft: str | None,
    ) -> list[Similar]:
        """The check answered from the database: the window's rows sharing a band key with the
        signature, compared exactly like the in-memory index does (same candidates, same cap)."""
        params = {
            "brand": brand_id,
            "keys": list(sig.bands),
            "since": since,
            # No draft has id -1: every row passes when there is nothing to exclude.
            "exclude": int(exclude_draft) if exclude_draft and exclude_draft.isdigit() else -1,
            "cap": self.candidate_cap,
        }
        with self.db.read_engine.connect() as conn:
            rows = conn.execute(_BY_BANDS, params).all()
        index = BrandIndex()
        _add(index, rows[::-1], bulk=True)  # oldest first: arrival order, as in memory
        return index.search(
            sig.minhash, since.timestamp(), min_similarity, exclude_draft, cap=self.candidate_cap
        )

    def _refresh(self, cache: _BrandCache, brand_id: str) -> None:
        """The rows committed since the last read: one indexed query."""
        assert cache.index is not None
        with self.db.read_engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                rows = conn.execute(
                    _PG_NEWER,
                    {
                        "brand": brand_id,
                        "floor": cache.floor,
                        # rows older than what is held (the horizon may be far back on a busy
                        # server): a longer window reloads anyway
                        "since": datetime.fromtimestamp(cache.complete_from, UTC),
                        "held": list(cache.held),
                    },
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

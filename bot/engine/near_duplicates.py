"""Near-duplicate search over a brand's earlier drafts: canonical text, MinHash, LSH bands.

A copy-pasted reply differs from its original only in the customer's handle and name, an order
number or a link. `canonical_words` removes exactly those; `signature` turns what is left into a
MinHash signature over word bigrams, whose share of equal values estimates the Jaccard similarity
of two texts, and into LSH band keys: two texts with similarity >= ~0.5 share at least one band
key with high probability, texts with little in common almost never do. An index keyed by band
therefore returns the few plausible matches without scanning the history.

The engine stays pure: it defines the `HistoryIndex` protocol, `BrandIndex` (one brand's
signatures in memory: sorted band keys in segments, searched with `np.searchsorted`) and
`InMemoryHistory` over it (tests, CLI batches, benchmarks); the workflow's database-backed index
keeps a `BrandIndex` per brand in step with the database.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol

import numpy as np

from bot.engine.links import URL

#: MinHash values per signature, split into BANDS bands of ROWS values. With 32 bands of 4 rows a
#: pair at similarity 0.6 becomes a candidate with probability 0.99, at 0.3 with 0.23, at 0.1 with
#: 0.003; the estimate's standard error at 0.8 is 0.035. Changing these invalidates stored bands.
NUM_HASHES = 128
BANDS = 32
ROWS = NUM_HASHES // BANDS
SIGNATURE_VERSION = 1

_MERSENNE = np.uint64((1 << 61) - 1)
_MAX32 = np.uint64(0xFFFFFFFF)
# Fixed parameters, so that signatures are comparable across processes and releases.
_rng = np.random.RandomState(20261127)
_A = _rng.randint(1, (1 << 61) - 1, size=NUM_HASHES, dtype=np.uint64)
_B = _rng.randint(0, (1 << 61) - 1, size=NUM_HASHES, dtype=np.uint64)
del _rng

_HANDLE = re.compile(r"[@＠][\w.]*\w")  # Instagram handles may contain dots
_EMAIL = re.compile(r"\S+@\S+\.\w+")
# Greeting + name(s): "Hi Becky,", "Dear Mr Smith", "Ciao Marco!", "Gentile sig.ra Rossi".
_GREETING = re.compile(
    r"\b(?i:hi|hello|hey|dear|hiya|ciao|gentile|gentilissim[oa]|car[oa]|salve|buongiorno|"
    r"buonasera|thanks|thank you|grazie)"
    r"(?P<names>(?:[ \t]+(?i:mr|mrs|ms|dr|sig|sig\.ra|sigra|dott|dott\.ssa)\.?)?"
    r"(?:[ \t]+[A-ZÀ-Ý][\w'’-]*){1,2})(?=\s*[,!.:;]|\s*$)",
)
# Agent signatures at the end of a reply or line: "-Becky", "- JK", "^JK", "~Anna", "/MS", "*AB".
_SIGNATURE = re.compile(
    r"(?:^|\s)[-–—~^/*]\s?[A-Z][\w.]{0,15}(?:\s[A-Z][\w.]{0,15})?\s*$", re.MULTILINE
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_INVISIBLE = dict.fromkeys(
    c for c in (0x00AD, 0x034F, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x180E)
)


def canonical_words(text: str) -> list[str]:
    """The words that make a text what it is: no handles, names, numbers, URLs; casefolded,
    accent-free, compatibility characters folded (full-width, mathematical letters)."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _GREETING.sub(lambda m: m.group(0)[: m.start("names") - m.start()], text)
    text = _SIGNATURE.sub(" ", text)
    words = []
    for word in _WORD.findall(text.casefold()):
        decomposed = unicodedata.normalize("NFD", word.replace("’", "'"))
        words.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return words


def _shingles(words: Sequence[str]) -> list[str]:
    if len(words) < 2:
        return list(words)
    return [f"{a} {b}" for a, b in itertools.pairwise(words)]


@dataclass(frozen=True, slots=True)
class Signature:
    """A text's MinHash values, its LSH band keys and how many canonical words it has."""

    minhash: np.ndarray  # NUM_HASHES uint32 values
    bands: tuple[int, ...]  # BANDS signed 64-bit keys (they fit a BIGINT column)
    words: int

    def to_bytes(self) -> bytes:
        return self.minhash.astype("<u4").tobytes()

    @staticmethod
    def minhash_from_bytes(data: bytes) -> np.ndarray:
        return np.frombuffer(data, dtype="<u4").astype(np.uint32)


def _hash32(shingle: str) -> int:
    return int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=4).digest(), "little")


def _band_key(band: int, values: np.ndarray) -> int:
    digest = hashlib.blake2b(values.astype("<u4").tobytes(), digest_size=8, person=b"bg-band")
    # The band number goes into the key, so one (brand, key) index serves every band.
    return int.from_bytes(digest.digest(), "little", signed=True) ^ band


@lru_cache(maxsize=4096)
def signature(text: str) -> Signature:
    """The signature of a text (cached: the workflow computes it to check, then to record)."""
    words = canonical_words(text)
    shingles = _shingles(words)
    if not shingles:
        empty = np.full(NUM_HASHES, 0xFFFFFFFF, dtype=np.uint32)
        return Signature(empty, (), 0)
    hashes = np.fromiter((_hash32(s) for s in set(shingles)), dtype=np.uint64)
    # Universal hashing (a*x + b mod p) for NUM_HASHES permutations at once; the uint64
    # product may wrap, which keeps it deterministic, and that is all MinHash needs.
    permuted = (np.outer(_A, hashes) + _B[:, None]) % _MERSENNE & _MAX32
    minhash = permuted.min(axis=1).astype(np.uint32)
    rows = minhash.reshape(BANDS, ROWS)
    bands = tuple(_band_key(i, rows[i]) for i in range(BANDS))
    return Signature(minhash, bands, len(words))


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two MinHash signatures."""
    return float(np.count_nonzero(a == b)) / NUM_HASHES


@dataclass(frozen=True, slots=True)
class Similar:
    """An earlier draft (its id as the history knows it) and its estimated similarity."""

    draft_id: str
    similarity: float
    created_at: datetime


class HistoryIndex(Protocol):
    """Earlier drafts of every brand, searchable by signature."""

    def now(self) -> datetime:
        """The history's clock: the duplicate window ends here."""
        ...

    def query(
        self,
        brand_id: str,
        sig: Signature,
        since: datetime | None,
        min_similarity: float,
        exclude_draft: str | None = None,
    ) -> list[Similar]:
        """Earlier drafts of the brand, created at or after `since`, at least `min_similarity`
        similar; one entry per draft (its most similar revision), most similar first."""
        ...


def best_per_draft(found: Sequence[Similar]) -> list[Similar]:
    """One entry per draft (its most similar, then latest, revision), most similar first."""
    best: dict[str, Similar] = {}
    for item in found:
        held = best.get(item.draft_id)
        if held is None or (item.similarity, item.created_at) > (held.similarity, held.created_at):
            best[item.draft_id] = item
    return sorted(best.values(), key=lambda s: (-s.similarity, -s.created_at.timestamp()))


#: Candidates compared per query at most: the latest ones in the window. A reply pasted thousands
#: of times is then reported as a copy of its latest copies; the comparison of each candidate is
#: exact (the MinHash estimate against the threshold), only how many are compared is bounded.
CANDIDATE_CAP = 2000
#: Rows appended one by one go to a small open part (a dict of buckets); at TAIL_ROWS it is sealed
#: into a segment of sorted band keys, and equal-sized segments are merged up to SEGMENT_ROWS.
TAIL_ROWS = 1024
SEGMENT_ROWS = 32768

_KEY_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_KEY_SEEDS = (np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93))[None, :]


def band_keys(minhashes: np.ndarray) -> np.ndarray:
    """In-memory LSH band keys of MinHash signatures: (n, NUM_HASHES) uint32 -> (n, BANDS) int64.

    Equal bands give equal keys, like `Signature.bands`, but computed for many rows at once (a
    history loaded from the database is keyed in a few milliseconds). A collision of two
    different bands only adds a candidate, which the exact comparison then rejects.
    """
    values = minhashes.reshape(-1, BANDS, ROWS).astype(np.uint64)
    keys = np.repeat(_KEY_SEEDS, len(values), axis=0)
    for j in range(ROWS):
        keys ^= values[:, :, j]
        keys *= _KEY_MULTIPLIER
        keys ^= keys >> np.uint64(29)
    return keys.view(np.int64)


@dataclass(slots=True)
class _Segment:
    """Sealed rows: band keys sorted (with the row each belongs to), signatures, stamps, ids."""

    keys: np.ndarray  # (n * BANDS,) int64, sorted
    rows: np.ndarray  # (n * BANDS,) int32: the row of each key
    matrix: np.ndarray  # (n, NUM_HASHES) uint32
    stamps: np.ndarray  # (n,) float64, POSIX seconds
    draft_ids: list[str]
    max_stamp: float

    @classmethod
    def build(cls, matrix: np.ndarray, stamps: np.ndarray, draft_ids: list[str]) -> _Segment:
        flat = band_keys(matrix).ravel()
        order = np.argsort(flat, kind="stable")
        return cls(
            keys=flat[order],
            rows=(order // BANDS).astype(np.int32),
            matrix=matrix,
            stamps=stamps,
            draft_ids=draft_ids,
            max_stamp=float(stamps.max()) if len(stamps) else float("-inf"),
        )

    @classmethod
    def merge(cls, a: _Segment, b: _Segment) -> _Segment:
        keys = np.concatenate([a.keys, b.keys])
        # Two sorted runs: the stable sort (timsort) merges them in linear time.
        order = np.argsort(keys, kind="stable")
        rows = np.concatenate([a.rows, b.rows + np.int32(len(a.stamps))])
        return cls(
            keys=keys[order],
            rows=rows[order],
            matrix=np.concatenate([a.matrix, b.matrix]),
            stamps=np.concatenate([a.stamps, b.stamps]),
            draft_ids=a.draft_ids + b.draft_ids,
            max_stamp=max(a.max_stamp, b.max_stamp),
        )

    def __len__(self) -> int:
        return len(self.stamps)

    def candidates(self, query_keys: np.ndarray) -> np.ndarray:
        """The rows sharing at least one band key with the query, ascending."""
        lo = np.searchsorted(self.keys, query_keys, side="left")
        hi = np.searchsorted(self.keys, query_keys, side="right")
        counts = hi - lo
        total = int(counts.sum())
        if not total:
            return np.empty(0, dtype=np.int32)
        # Positions lo[i] .. hi[i] - 1 of every range, without a Python loop.
        starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
        return np.unique(self.rows[starts + np.arange(total)])


class BrandIndex:
    """One brand's signatures, searchable by band key; rows in arrival order.

    Sealed segments (sorted band keys, `np.searchsorted` per query) plus an open tail (a dict
    of buckets) for rows added one at a time. Whole segments are dropped once all their rows
    are older than the window (`evict`), so memory follows the window. Not thread-safe: the
    owner serialises access (`InMemoryHistory` has one writer, `DatabaseHistory` locks).
    """

    def __init__(self) -> None:
        self._segments: list[_Segment] = []
        self._tail_buckets: dict[int, list[int]] = defaultdict(list)
        self._tail_matrix = np.zeros((64, NUM_HASHES), dtype=np.uint32)
        self._tail_stamps = np.zeros(64, dtype=np.float64)
        self._tail_ids: list[str] = []
        self._sealed_rows = 0

    def __len__(self) -> int:
        return self._sealed_rows + len(self._tail_ids)

    @property
    def segments(self) -> int:
        return len(self._segments) + bool(self._tail_ids)

    def add(self, draft_id: str, minhash: np.ndarray, stamp: float) -> None:
        row = len(self._tail_ids)
        if row == len(self._tail_matrix):  # grow by doubling: amortised O(1) per add
            self._tail_matrix = np.concatenate(
                [self._tail_matrix, np.zeros_like(self._tail_matrix)]
            )
            self._tail_stamps = np.concatenate(
                [self._tail_stamps, np.zeros_like(self._tail_stamps)]
            )
        self._tail_matrix[row] = minhash
        self._tail_stamps[row] = stamp
        self._tail_ids.append(draft_id)
        for key in band_keys(minhash).ravel().tolist():
            self._tail_buckets[key].append(row)
        if len(self._tail_ids) >= TAIL_ROWS:
            self._seal()

    def add_many(self, draft_ids: list[str], matrix: np.ndarray, stamps: np.ndarray) -> None:
        """Many rows at once (a load from the database): sealed straight into segments."""
        if len(draft_ids) < TAIL_ROWS:
            for i, draft_id in enumerate(draft_ids):
                self.add(draft_id, matrix[i], float(stamps[i]))
            return
        self._seal()
        for start in range(0, len(draft_ids), SEGMENT_ROWS):
            end = start + SEGMENT_ROWS
            segment = _Segment.build(
                np.ascontiguousarray(matrix[start:end]),
                np.ascontiguousarray(stamps[start:end]),
                draft_ids[start:end],
            )
            self._segments.append(segment)
            self._sealed_rows += len(segment)

    def _seal(self) -> None:
        n = len(self._tail_ids)
        if not n:
            return
        self._segments.append(
            _Segment.build(
                self._tail_matrix[:n].copy(), self._tail_stamps[:n].copy(), self._tail_ids
            )
        )
        self._sealed_rows += n
        self._tail_buckets = defaultdict(list)
        self._tail_matrix = np.zeros((64, NUM_HASHES), dtype=np.uint32)
        self._tail_stamps = np.zeros(64, dtype=np.float64)
        self._tail_ids = []
        # Like a binary counter: a few small recent segments, older ones up to SEGMENT_ROWS.
        segs = self._segments
        while (
            len(segs) >= 2
            and len(segs[-2]) <= len(segs[-1])
            and len(segs[-2]) + len(segs[-1]) <= SEGMENT_ROWS
        ):
            segs[-2:] = [_Segment.merge(segs[-2], segs[-1])]

    def evict(self, before: float) -> int:
        """Drop the segments (and the tail) whose rows are all older than `before`; returns how
        many rows went. Rows at or after `before` always stay."""
        dropped = 0
        kept = []
        for segment in self._segments:
            if segment.max_stamp < before:
                dropped += len(segment)
            else:
                kept.append(segment)
        self._segments = kept
        self._sealed_rows -= dropped
        n = len(self._tail_ids)
        if n and float(self._tail_stamps[:n].max()) < before:
            dropped += n
            self._tail_buckets = defaultdict(list)
            self._tail_ids = []
        return dropped

    def search(
        self,
        minhash: np.ndarray,
        since: float | None,
        min_similarity: float,
        exclude_draft: str | None = None,
        cap: int = CANDIDATE_CAP,
    ) -> list[Similar]:
        """Rows at or after `since` that share a band with `minhash` and are at least
        `min_similarity` similar to it (exactly, by the MinHash estimate), other than
        `exclude_draft`'s; at most `cap` candidates are compared, the latest ones. One entry per
        draft, most similar first."""
        query_keys = band_keys(minhash)[0]
        floor = float("-inf") if since is None else since
        found: list[Similar] = []
        budget = cap
        n = len(self._tail_ids)
        parts: list[tuple[np.ndarray, np.ndarray, list[str], np.ndarray]] = []
        if n:
            buckets = [self._tail_buckets.get(k) for k in query_keys.tolist()]
            lists = [r for r in buckets if r]
            if lists:
                rows = np.unique(np.fromiter(itertools.chain.from_iterable(lists), np.int64))
                parts.append((rows, self._tail_matrix, self._tail_ids, self._tail_stamps))
        for segment in reversed(self._segments):  # newest first
            parts_rows = segment.candidates(query_keys) if segment.max_stamp >= floor else None
            if parts_rows is not None and len(parts_rows):
                parts.append((parts_rows, segment.matrix, segment.draft_ids, segment.stamps))
        for rows, matrix, draft_ids, stamps in parts:
            if budget <= 0:
                break
            rows = rows[stamps[rows] >= floor]
            if exclude_draft is not None and len(rows):
                rows = rows[[draft_ids[r] != exclude_draft for r in rows.tolist()]]
            if len(rows) > budget:
                rows = rows[-budget:]  # rows are in arrival order: keep the latest
            budget -= len(rows)
            if not len(rows):
                continue
            scores = np.count_nonzero(matrix[rows] == minhash, axis=1) / NUM_HASHES
            keep = scores >= min_similarity
            found.extend(
                Similar(draft_ids[r], s, _utc(float(stamps[r])))
                for r, s in zip(rows[keep].tolist(), scores[keep].tolist(), strict=True)
            )
        return best_per_draft(found)


def _utc(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


class InMemoryHistory:
    """A `HistoryIndex` in memory: one `BrandIndex` per brand.

    Not thread-safe: one writer (a CLI batch, a benchmark). The workflow uses
    `bot.workflow.duplicate_index.DatabaseHistory`, which keeps the same per-brand indexes in
    step with the database and locks around them.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock
        self._brands: dict[str, BrandIndex] = {}

    def __len__(self) -> int:
        return sum(len(index) for index in self._brands.values())

    def now(self) -> datetime:
        return self._clock() if self._clock else datetime.now(UTC)

    def add(
        self, brand_id: str, draft_id: str, text_or_sig: str | Signature, at: datetime | None = None
    ) -> None:
        sig = signature(text_or_sig) if isinstance(text_or_sig, str) else text_or_sig
        if not sig.bands:
            return
        index = self._brands.get(brand_id)
        if index is None:
            index = self._brands[brand_id] = BrandIndex()
        index.add(draft_id, sig.minhash, (at or self.now()).timestamp())

    def query(
        self,
        brand_id: str,
        sig: Signature,
        since: datetime | None,
        min_similarity: float,
        exclude_draft: str | None = None,
    ) -> list[Similar]:
        index = self._brands.get(brand_id)
        if index is None or not sig.bands:
            return []
        return index.search(
            sig.minhash, None if since is None else since.timestamp(), min_similarity, exclude_draft
        )

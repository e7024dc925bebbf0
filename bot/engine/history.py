"""Near-duplicate search over a brand's earlier drafts: canonical text, MinHash, LSH bands.

A copy-pasted reply differs from its original only in the customer's handle and name, an order
number or a link. `canonical_words` removes exactly those; `signature` turns what is left into a
MinHash signature over word bigrams, whose share of equal values estimates the Jaccard similarity
of two texts, and into LSH band keys: two texts with similarity >= ~0.5 share at least one band
key with high probability, texts with little in common almost never do. An index keyed by band
therefore returns the few plausible matches without scanning the history.

The engine stays pure: it defines the `HistoryIndex` protocol and an in-memory index (tests, CLI
batches, benchmarks); the workflow provides a database-backed one.
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

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:com|net|org|it|co|ly|io|eu)(?:/\S*)?\b")
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
    text = _URL.sub(" ", text)
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


class InMemoryHistory:
    """A `HistoryIndex` in memory: band key -> row numbers, signatures in one growing matrix.

    A query gathers the rows of its BANDS buckets, keeps the brand's rows inside the window and
    compares their signatures with one vectorised comparison. Not thread-safe: one writer (a CLI
    batch, a benchmark); the workflow uses the database-backed index.
    """

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self._clock = clock
        self._buckets: dict[tuple[str, int], list[int]] = defaultdict(list)
        self._matrix = np.zeros((1024, NUM_HASHES), dtype=np.uint32)
        self._stamps = np.zeros(1024, dtype=np.float64)
        self._draft_ids: list[str] = []
        self._created: list[datetime] = []

    def __len__(self) -> int:
        return len(self._draft_ids)

    def now(self) -> datetime:
        return self._clock() if self._clock else datetime.now(UTC)

    def add(
        self, brand_id: str, draft_id: str, text_or_sig: str | Signature, at: datetime | None = None
    ) -> None:
        sig = signature(text_or_sig) if isinstance(text_or_sig, str) else text_or_sig
        if not sig.bands:
            return
        row = len(self._draft_ids)
        if row == len(self._matrix):  # grow by doubling: amortised O(1) per add
            self._matrix = np.concatenate([self._matrix, np.zeros_like(self._matrix)])
            self._stamps = np.concatenate([self._stamps, np.zeros_like(self._stamps)])
        created = at or self.now()
        self._matrix[row] = sig.minhash
        self._stamps[row] = created.timestamp()
        self._draft_ids.append(draft_id)
        self._created.append(created)
        for key in sig.bands:
            self._buckets[(brand_id, key)].append(row)

    def query(
        self,
        brand_id: str,
        sig: Signature,
        since: datetime | None,
        min_similarity: float,
        exclude_draft: str | None = None,
    ) -> list[Similar]:
        lists = [self._buckets.get((brand_id, key)) for key in sig.bands]
        lists = [rows for rows in lists if rows]
        if not lists:
            return []
        rows = np.unique(np.concatenate([np.asarray(r, dtype=np.int64) for r in lists]))
        if since is not None:
            rows = rows[self._stamps[rows] >= since.timestamp()]
        scores = np.count_nonzero(self._matrix[rows] == sig.minhash, axis=1) / NUM_HASHES
        keep = scores >= min_similarity
        found = [
            Similar(self._draft_ids[r], float(s), self._created[r])
            for r, s in zip(rows[keep].tolist(), scores[keep].tolist(), strict=True)
            if self._draft_ids[r] != exclude_draft
        ]
        return best_per_draft(found)

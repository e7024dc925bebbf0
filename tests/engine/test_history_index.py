"""`BrandIndex`: segments of sorted band keys plus an open tail; exact against a plain scan."""

from __future__ import annotations

import numpy as np
import pytest

from bot.engine.near_duplicates import (
    BANDS,
    NUM_HASHES,
    ROWS,
    SEGMENT_ROWS,
    TAIL_ROWS,
    BrandIndex,
    band_keys,
)


def _rows(count: int, seed: int = 1) -> np.ndarray:
    """Signatures of `count` drafts copied from 40 originals, each with a few values changed."""
    rng = np.random.default_rng(seed)
    originals = rng.integers(0, 2**32, size=(40, NUM_HASHES), dtype=np.uint32)
    matrix = originals[rng.integers(0, 40, size=count)].copy()
    for row in matrix:
        changed = rng.choice(NUM_HASHES, size=rng.integers(0, 60), replace=False)
        row[changed] = rng.integers(0, 2**32, size=len(changed), dtype=np.uint32)
    return matrix


def _scan(
    matrix: np.ndarray, stamps: np.ndarray, query: np.ndarray, since: float, threshold: float
) -> dict[str, float]:
    """What the index must return: rows in the window sharing a band, at least as similar."""
    bands = matrix.reshape(len(matrix), BANDS, ROWS)
    shares = (bands == query.reshape(BANDS, ROWS)).all(axis=2).any(axis=1)
    scores = np.count_nonzero(matrix == query, axis=1) / NUM_HASHES
    keep = shares & (stamps >= since) & (scores >= threshold)
    return {str(i): float(scores[i]) for i in np.flatnonzero(keep)}


def test_band_keys_are_equal_exactly_for_equal_bands() -> None:
    matrix = _rows(200)
    keys = band_keys(matrix)
    assert keys.shape == (200, BANDS) and keys.dtype == np.int64
    bands = matrix.reshape(200, BANDS, ROWS)
    for b in range(BANDS):
        same_band = (bands[:, None, b] == bands[None, :, b]).all(axis=2)
        assert ((keys[:, None, b] == keys[None, :, b]) == same_band).all()


@pytest.mark.parametrize("bulk", [False, True])
def test_search_matches_a_plain_scan(bulk: bool) -> None:
    count = 3 * TAIL_ROWS + 123
    matrix = _rows(count)
    stamps = np.arange(count, dtype=np.float64)
    index = BrandIndex()
    if bulk:
        index.add_many([str(i) for i in range(count)], matrix, stamps)
    else:
        for i in range(count):
            index.add(str(i), matrix[i], float(stamps[i]))
    assert len(index) == count
    assert index.segments <= 4
    queries = _rows(30, seed=2)
    for since in (0.0, count / 2):
        for query in queries:
            expected = _scan(matrix, stamps, query, since, 0.5)
            found = index.search(query, since, 0.5, cap=count)
            assert {s.draft_id: s.similarity for s in found} == expected
            assert [s.similarity for s in found] == sorted(expected.values(), reverse=True)


def test_segments_stay_few_as_rows_are_added() -> None:
    index = BrandIndex()
    matrix = _rows(TAIL_ROWS * 20)
    for i, row in enumerate(matrix):
        index.add(str(i), row, float(i))
    assert len(index) == TAIL_ROWS * 20
    assert index.segments <= 3  # 16 + 4 tail-sized segments merged by powers of two


def test_eviction_drops_whole_old_segments_and_keeps_the_window() -> None:
    count = SEGMENT_ROWS + 5 * TAIL_ROWS
    matrix = _rows(count, seed=3)
    stamps = np.arange(count, dtype=np.float64)
    index = BrandIndex()
    index.add_many([str(i) for i in range(count)], matrix, stamps)
    before = float(SEGMENT_ROWS + 10)
    query = matrix[-1]
    expected = _scan(matrix, stamps, query, before, 0.5)
    assert index.evict(before) == SEGMENT_ROWS  # the first segment is all older
    assert len(index) == count - SEGMENT_ROWS
    assert {s.draft_id: s.similarity for s in index.search(query, before, 0.5, cap=count)} == (
        expected
    )
    assert index.evict(float(count)) == count - SEGMENT_ROWS
    assert len(index) == 0
    assert index.search(query, None, 0.5) == []


def test_the_candidate_cap_keeps_the_latest() -> None:
    index = BrandIndex()
    same = _rows(1)[0]
    for i in range(50):
        index.add(str(i), same, float(i))
    found = index.search(same, None, 0.9, cap=10)
    assert sorted(int(s.draft_id) for s in found) == list(range(40, 50))
    assert found[0].draft_id == "49"  # all equally similar: the latest first
    # the draft being checked is left out before the cap applies
    assert [s.draft_id for s in index.search(same, None, 0.9, "49", cap=1)] == ["48"]

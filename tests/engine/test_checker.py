"""The checker as a whole: batch and single checks agree; compiled checkers are cached."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine.checker import BATCH_SIZE, DraftError, get_checker
from bot.engine.findings import Draft
from bot.engine.lexicon import TermMatch, longest_first
from bot.guidelines.model import Guidelines

DRAFTS = [
    Draft("We guarantee it!!", "x"),
    Draft("Caff\u00e8 \u201ctested\u201d \U0001f44d\ufe0f, risk free", "instagram"),
    Draft("Clean text about boots.", "threads", kind="reply", context="Do they leak?"),
    Draft("Write to a.b@example.com or call +1 555 123 4567", "x", sponsored=True),
    Draft("g u a r a n t e e d, gu4r4nt33d", "x"),
]


def test_check_many_agrees_with_check(en: Guidelines) -> None:
    checker = get_checker(en)
    assert list(checker.check_many(DRAFTS)) == [checker.check(d) for d in DRAFTS]


def test_check_many_streams_and_stops_at_an_unusable_draft(en: Guidelines) -> None:
    checker = get_checker(en)
    results = checker.check_many([DRAFTS[0], Draft("   ", "x"), DRAFTS[1]])
    assert next(results).verdict == "block"
    with pytest.raises(DraftError, match="empty"):
        next(results)


def test_compiled_checker_is_reused_per_guidelines_version(en: Guidelines) -> None:
    assert get_checker(en) is get_checker(en)


def _varied_drafts(count: int) -> list[Draft]:
    """Drafts cycling through platforms, kinds and the tricky texts above."""
    platforms = ["x", "instagram", "threads", "linkedin"]
    kinds = ["post", "reply"]
    return [
        Draft(
            f"{DRAFTS[i % len(DRAFTS)].text} #{i}",
            platforms[i % len(platforms)],
            kind=kinds[(i // 3) % len(kinds)],
            sponsored=i % 5 == 0,
            context="Do they leak?" if i % 2 else None,
            id=str(i),
        )
        for i in range(count)
    ]


def test_batches_of_mixed_platforms_and_kinds_agree_with_single_checks(en: Guidelines) -> None:
    checker = get_checker(en)
    drafts = _varied_drafts(2 * BATCH_SIZE + 7)
    assert list(checker.check_many(drafts)) == [checker.check(d) for d in drafts]


def test_a_bad_draft_in_a_later_batch_comes_after_every_result_before_it(
    en: Guidelines,
) -> None:
    checker = get_checker(en)
    drafts = _varied_drafts(BATCH_SIZE + 3)
    results = checker.check_many([*drafts, Draft("", "x"), *drafts])
    for expected in drafts:
        assert next(results) == checker.check(expected)
    with pytest.raises(DraftError, match="empty"):
        next(results)


@settings(max_examples=300, deadline=None)
@given(
    spans=st.lists(
        st.tuples(st.integers(0, 12), st.integers(1, 4)).map(lambda p: (p[0], p[0] + p[1])),
        max_size=6,
    ),
    in_order=st.booleans(),
)
def test_longest_first_keeps_the_longest_of_overlapping_matches(
    spans: list[tuple[int, int]], in_order: bool
) -> None:
    matches = [TermMatch(i, start, end) for i, (start, end) in enumerate(spans)]
    if in_order:
        matches.sort(key=lambda m: (m.start, m.end))
    kept = longest_first(matches)

    def overlap(a: TermMatch, b: TermMatch) -> bool:
        return a.start < b.end and b.start < a.end

    # Kept matches come from the input, in text order, without overlaps...
    assert all(m in matches for m in kept)
    assert [m.start for m in kept] == sorted(m.start for m in kept)
    assert not any(overlap(a, b) for a, b in itertools.combinations(kept, 2))
    # ...and each one left out lost to a kept one it overlaps: longer, or as long and earlier.
    for m in matches:
        if m not in kept:
            assert any(
                overlap(k, m) and (k.end - k.start, -k.start) >= (m.end - m.start, -m.start)
                for k in kept
            )

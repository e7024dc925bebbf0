"""The checker as a whole: batch and single checks agree; compiled checkers are cached."""

from __future__ import annotations

import pytest

from bot.engine.checker import DraftError, get_checker
from bot.engine.findings import Draft
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

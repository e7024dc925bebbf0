"""One link pattern for the engine: every check reads the same text as a link, in any case."""

from __future__ import annotations

import pytest

from bot.engine.links import URL
from bot.engine.near_duplicates import canonical_words
from bot.engine.normalize import normalize
from bot.engine.platforms import weighted_length
from bot.engine.rules.readability import count_text

SPELLINGS = ["https://example.com/a1b2", "HTTPS://EXAMPLE.COM/A1B2", "Www.Example.com/a1b2"]


@pytest.mark.parametrize("link", SPELLINGS)
def test_duplicate_check_drops_links_in_any_case(link: str) -> None:
    # Before: the case-sensitive pattern kept "HTTPS://EXAMPLE.COM/A1B2" as four words.
    assert canonical_words(f"Track your order at {link} today") == [
        "track",
        "your",
        "order",
        "at",
        "today",
    ]


@pytest.mark.parametrize("link", SPELLINGS)
def test_x_weighs_a_link_in_any_case_as_23(link: str) -> None:
    assert weighted_length(f"see {link}", "x") == len("see ") + 23


@pytest.mark.parametrize("link", SPELLINGS)
def test_readability_leaves_links_out_in_any_case(link: str) -> None:
    assert count_text(f"{link} is good", syllables=True).words == 2


@pytest.mark.parametrize("link", SPELLINGS)
def test_digits_in_links_are_not_read_as_letters_in_any_case(link: str) -> None:
    text = f"gu4rantee {link}"
    assert normalize(text).text == f"guarantee {link}"


def test_the_one_pattern_finds_bare_domains_and_stops_at_whitespace() -> None:
    found = [m.group() for m in URL.finditer("at northwind.com/boots, or HTTP://X.IO now")]
    assert found == ["northwind.com/boots", "HTTP://X.IO"]

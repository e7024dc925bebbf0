"""Evasion resistance: a flagged term is found however it is disguised, and clean text is not
flagged because of the normalisation; offsets always index the original text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.engine import normalize as norm_module
from bot.engine.findings import Draft
from bot.engine.links import URL
from bot.engine.normalize import normalize
from tests.engine.support import CheckFn, texts_of

DISGUISES = {
    "upper case": "We GUARANTEE it",
    "mixed case": "We gUaRaNtEe it",
    "zero-width space": "We gua\u200brantee it",
    "zero-width joiner": "We g\u200du\u200da\u200drantee it",
    "soft hyphen": "We guar\u00adantee it",
    "word joiner": "We guaran\u2060tee it",
    "variation selector": "We guarantee\ufe0f it",
    "cyrillic a": "We gu\u0430r\u0430ntee it",
    "cyrillic e": "We guarant\u0435\u0435 it",
    "greek omicron in cure": "A \u03bfne-day cure",
    "full-width": "We \uff47\uff55\uff41\uff52\uff41\uff4e\uff54\uff45\uff45 it",
    "mathematical bold": "We " + "".join(chr(0x1D41A + ord(c) - ord("a")) for c in "guarantee"),
    "separated by spaces": "We g u a r a n t e e it",
    "separated by dots": "We g.u.a.r.a.n.t.e.e it",
    "separated by hyphens": "We g-u-a-r-a-n-t-e-e it",
    "digits for letters": "We gu4r4nt33 it",
    "combining mark": "We gua\u0301rantee it",
    "inflected and disguised": "It is GU\u0410RANT\u200bEED",
    "null character": "We gua\x00rantee it",
    "start-of-heading character": "We gua\x01rantee it",
    "unit separator": "We gua\x1frantee it",
    "delete character": "We guar\x7fantee it",
    "control character in a non-ASCII draft": "Caffè: we gua\x00rantee it",
    "right-to-left override": "We \u202eeetnaraug\u202c it",
    "right-to-left override to the end": "We \u202eeetnaraug",
}


@pytest.mark.parametrize("name", sorted(DISGUISES))
def test_disguised_term_is_found_at_its_original_offsets(check_en: CheckFn, name: str) -> None:
    text = DISGUISES[name]
    findings = [f for f in check_en(text).findings if f.rule in ("no-guarantees",)]
    assert len(findings) == 1, name
    finding = findings[0]
    assert text[finding.start : finding.end] == finding.text
    assert normalize(finding.text).text.lower().replace(" ", "") in {
        "guarantee",
        "guaranteed",
        "cure",
    } or finding.text.lower().startswith(("g", "\U0001d420", "\uff47"))


def test_disguise_inside_a_phrase(check_en: CheckFn) -> None:
    assert texts_of(check_en("It is r\u0456sk fr\u0435e."), "no-guarantees") == [
        "r\u0456sk fr\u0435e"
    ]


CLEAN = [
    "Secure your tent before the storm.",  # contains "cure"
    "Curious where the trail goes? Follow us.",
    "Open 24/7, boots from $129 and 2 for 1.",
    "I am a big fan of U.S. trails.",
    "Caffè, perché no? È così.",
    "Привет! Our Russian-speaking team says hello.",
    "日本語のサポートもあります。",
    "Emoji time 🏔️👍🏽 on the trail.",
    "Model X3 and the 4K camera are in stock.",
    "Plan A, B or C: all good.",
    "Tabs\tand\r\nline breaks\nare layout.",
    "\u202bعربي\u202c and \u2067עברית\u2069 embedded, not overridden.",
]


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_is_not_flagged_by_normalisation(check_en: CheckFn, text: str) -> None:
    result = check_en(text)
    assert [f.rule for f in result.findings if f.rule == "no-guarantees"] == []
    assert result.verdict != "block"


def test_italian_accents_survive(check_it: CheckFn) -> None:
    assert normalize("perché è così").text == "perché è così"
    assert texts_of(check_it("Lo garantirà."), "niente-garanzie") == ["garantirà"]


def test_reversed_text_is_matched_as_displayed_and_points_at_the_override(
    check_en: CheckFn,
) -> None:
    text = "Our \u202eeetnaraug eno-ton\u202c!"  # displays "Our not-one guarantee!"
    norm = normalize(text)
    assert norm.text == "Our not-one guarantee!"
    found = [f for f in check_en(text).findings if f.rule == "no-guarantees"]
    assert [f.text for f in found] == ["\u202eeetnaraug eno-ton\u202c"]
    # plain reversed text without an override is not an evasion: it displays reversed
    assert [f for f in check_en("eetnaraug").findings if f.rule == "no-guarantees"] == []


def test_normalized_offsets_map_back() -> None:
    text = "A g\u200bu\u0430r\uff41ntee"
    norm = normalize(text)
    assert norm.text == "A guarantee"
    start, end = norm.to_original(2, len(norm.text))
    assert text[start:end] == "g\u200bu\u0430r\uff41ntee"


@settings(max_examples=300, deadline=None)
@given(text=st.text(min_size=1, max_size=400), platform=st.sampled_from(["x", "instagram"]))
def test_check_never_crashes_and_offsets_stay_inside(
    check_en: CheckFn, text: str, platform: str
) -> None:
    if not text.strip():
        return
    result = check_en(text, platform=platform, sponsored=True)
    for finding in result.findings:
        assert 0 <= finding.start <= finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.text
    assert result.verdict in ("pass", "review", "block")


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(max_size=40),
    suffix=st.text(max_size=40),
    junk=st.sampled_from(["\u200b", "\u200c", "\u00ad", "\u2060", "\ufeff"]),
)
def test_invisible_characters_never_hide_a_term(
    check_en: CheckFn, prefix: str, suffix: str, junk: str
) -> None:
    text = f"{prefix} we guar{junk}antee {suffix}"
    found = [f for f in check_en(text).findings if f.rule == "no-guarantees"]
    assert any(f.text == f"guar{junk}antee" for f in found)


def test_draft_kinds_all_check(check_en: CheckFn) -> None:
    result = check_en("Sorry about the boots!", kind="reply", context="My boots leaked")
    assert isinstance(result.findings, tuple)
    assert Draft("x", "x").kind == "post"


def _normalize_without_shortcuts(text: str) -> tuple[str, tuple[int, ...] | None]:
    """The slow, obvious normalisation: every step on every text, no memo, no pre-checks.
    `normalize` must always agree with it; only its speed may differ."""
    starts: list[int] | None = None
    current = text
    if any(
        not norm_module._maps_to_itself(c)
        for c in text
        if not (c.isascii() and (c.isprintable() or c in "\t\n\r"))
    ):
        folded, starts, ends = norm_module._fold_unicode(text)
        if "\u202e" in text:
            displayed, lows, highs = norm_module.display_order(text)
            folded, starts, ends = norm_module._fold_unicode(displayed)
            starts = [lows[s] for s in starts]
            ends = [highs[e - 1] for e in ends]
        current = "".join(folded)
    chars = list(current)
    # A letter touching a digit (or @, $) outside links, tested on ASCII as documented.
    classes = URL.sub(" ", current).encode("ascii", "replace")
    classes = classes.translate(norm_module._CLASSES)
    if (b"a0" in classes or b"0a" in classes or b"a@" in classes) and norm_module._swap_digits(
        chars, current
    ):
        current = "".join(chars)
    if norm_module._SEPARATED.search(current):
        if starts is None:
            starts, ends = list(range(len(text))), list(range(1, len(text) + 1))
        chars, starts, ends = norm_module._join_separated(chars, starts, ends)
        current = "".join(chars)
    return current, None if starts is None else tuple(starts)


# Letters, separators, swappable digits, links, look-alikes, invisible and odd spaces.
_DISGUISE_PIECES = st.sampled_from(
    [
        *"abcgrtuIe .-_*\u00b7@$0134578!#:/\n\t",
        "https://",
        "www.",
        " x ",
        "\u00a0",
        "\u2009",
        "\u200b",
        "\u0301",
        "\u00e9",
        "\uff47",
        "\u0430",
        "\u043e",
        "\U0001d41a",
        "\u2019",
        "é",
        "\x00",
        "\x01",
        "\x0b",
        "\x1f",
        "\x7f",
        "\x85",
        "\u202e",
        "\u202d",
        "\u202c",
        "\u2067",
        "\u2069",
    ]
)


@settings(max_examples=500, deadline=None)
@given(pieces=st.lists(_DISGUISE_PIECES, min_size=1, max_size=40), noise=st.text(max_size=20))
def test_normalize_agrees_with_the_obvious_slow_version(pieces: list[str], noise: str) -> None:
    for text in ("".join(pieces), "".join(pieces) + noise, noise + " ".join(pieces)):
        norm = normalize(text)
        expected_text, expected_starts = _normalize_without_shortcuts(text)
        assert norm.text == expected_text
        if expected_starts is not None or norm.starts is not None:
            assert norm.starts == expected_starts
        # the memo gives the same answer the second time
        assert normalize(text) == norm


def test_chunk_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(norm_module, "_MAX_REMEMBERED_CHUNKS", 5)
    monkeypatch.setattr(norm_module, "_QUIET_CHUNKS", set())
    monkeypatch.setattr(norm_module, "_PLAIN_CHUNKS", set())
    sizes = []
    for i in range(200):
        # Non-ASCII drafts go through the chunk memo (ASCII ones through byte tests).
        text = f"caffè{i} word{i}x plain{i} a b c{i} gu4r4nt33 g u a r ’{i}"
        assert normalize(text).text == _normalize_without_shortcuts(text)[0]
        sizes.append(len(norm_module._QUIET_CHUNKS))
        assert norm_module._PLAIN_CHUNKS <= norm_module._QUIET_CHUNKS
    assert max(sizes) == 5  # filled up to the bound, emptied, filled again
    assert min(sizes[10:]) < 5


@pytest.mark.parametrize(
    "text",
    [
        "Hi, I can help",  # a lone letter before a word: the separated-letters scan, no match
        "a b c guarantee",  # three lone letters: joined
        "see you at 10am",  # a digit beside a letter: read as letters
        "https://t.co/a1b2 thanks",  # digits beside letters inside a link only: left alone
        "gu4r4nt33d fr@ud",
        "plain words only.",
        "tab\tand\x01control",
    ],
)
def test_ascii_substring_pretests_agree_with_the_slow_version(text: str) -> None:
    # The ASCII path decides with substring scans whether any disguise test must run.
    assert normalize(text).text == _normalize_without_shortcuts(text)[0]

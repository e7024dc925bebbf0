"""Each rule type, in English and Italian, positive and negative."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.checker import Checker
from bot.engine.findings import Draft
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import load_guidelines
from tests.engine.support import CheckFn, rules_of, texts_of, write_guidelines


@pytest.mark.parametrize(
    "text, expected",
    [
        ("We guarantee it.", ["guarantee"]),
        ("Guaranteed warmth.", ["Guaranteed"]),
        ("Two GUARANTEES and guaranteeing more.", ["GUARANTEES", "guaranteeing"]),
        ("It cures cold feet and cured mine.", ["cures", "cured"]),
        ("Totally risk free, even risk-free.", ["risk free", "risk-free"]),
    ],
)
def test_existence_lemma_finds_every_inflection(
    check_en: CheckFn, text: str, expected: list[str]
) -> None:
    assert texts_of(check_en(text), "no-guarantees") == expected


@pytest.mark.parametrize(
    "text",
    [
        "Secure straps for curious hikers.",  # "cure" inside other words
        "Our procurement team is busy.",
        "A guarantor signed.",
        "Risk assessment is free.",  # both words, not the phrase
    ],
)
def test_existence_keeps_word_boundaries(check_en: CheckFn, text: str) -> None:
    assert "no-guarantees" not in rules_of(check_en(text))


def test_existence_offsets_index_the_original(check_en: CheckFn) -> None:
    text = "Hi! We guarantee dry feet."
    finding = check_en(text).findings[0]
    assert (finding.start, finding.end, text[finding.start : finding.end]) == (7, 16, "guarantee")
    assert finding.level == "error" and finding.category == "legal"
    assert finding.message == "Avoid absolute promises: 'guarantee'."


def test_existence_exact_and_lower_modes(check_en: CheckFn) -> None:
    assert texts_of(check_en("Shipping is FREE today."), "exact-claims") == ["FREE"]
    assert texts_of(check_en("Shipping is free today."), "exact-claims") == []
    assert texts_of(check_en("An AWESOME day, awesome."), "lower-words") == ["AWESOME", "awesome"]
    # lower mode does not inflect
    assert texts_of(check_en("Awesomeness."), "lower-words") == []


def test_existence_italian_inflections(check_it: CheckFn) -> None:
    result = check_it("Garantiamo la qualità: prodotti garantiti, e lo garantirà il tempo.")
    assert texts_of(result, "niente-garanzie") == ["Garantiamo", "garantiti", "garantirà"]
    assert texts_of(check_it("Acquisti senza rischi."), "niente-garanzie") == ["senza rischi"]
    assert texts_of(check_it("La garanzia legale vale due anni."), "niente-garanzie") == []


def test_substitution_suggests_and_keeps_case(check_en: CheckFn) -> None:
    result = check_en("Cheap boots, cheaper socks. Buy now!")
    findings = [f for f in result.findings if f.rule == "preferred-terms"]
    assert [(f.text, f.suggestion) for f in findings] == [
        ("Cheap", "Affordable"),
        ("cheaper", "affordable"),
        ("Buy now", "Discover"),
    ]
    assert findings[0].message == "Say 'Affordable' instead of 'Cheap'."
    assert all(f.level == "warning" for f in findings)


def test_substitution_italian(check_it: CheckFn) -> None:
    result = check_it("Prezzi economici, una scelta economica.")
    assert [(f.text, f.suggestion) for f in result.findings if f.rule == "termini"] == [
        ("economici", "conveniente"),
        ("economica", "conveniente"),
    ]
    assert texts_of(check_it("Una scelta conveniente."), "termini") == []


def test_occurrence_flags_only_past_the_maximum(check_en: CheckFn, check_it: CheckFn) -> None:
    assert "exclamations" not in rules_of(check_en("One! Fine."))
    text = "One! Two! Three!"
    flagged = [f for f in check_en(text).findings if f.rule == "exclamations"]
    assert len(flagged) == 1 and flagged[0].start == text.index("!", 4)
    assert "esclamativi" in rules_of(check_it("Ciao! Che bello!"))
    # a full-width exclamation mark still counts
    assert "exclamations" in rules_of(check_en("Wow！ Yes!"))


def test_capitalization(check_en: CheckFn, check_it: CheckFn) -> None:
    result = check_en("Try northwind TRAILLITE boots from Northwind.")
    findings = [f for f in result.findings if f.rule == "brand-name"]
    assert [(f.text, f.suggestion) for f in findings] == [
        ("northwind", "Northwind"),
        ("TRAILLITE", "TrailLite"),
    ]
    assert "brand-name" not in rules_of(check_en("Tag us #northwind and @northwind."))
    assert texts_of(check_it("Da casa aurora, con amore."), "marchio") == ["casa aurora"]
    assert texts_of(check_it("Da Casa Aurora, con amore."), "marchio") == []


@pytest.mark.parametrize(
    "text, written",
    [
        ("Write to jane.doe+x@mail.example.org today", "jane.doe+x@mail.example.org"),
        ("Call +1 (555) 123-4567 now", "+1 (555) 123-4567"),
        ("Chiama 02 1234 5678", "02 1234 5678"),
        ("Card 4111 1111 1111 1111 works", "4111 1111 1111 1111"),
        # non-ASCII drafts: accents around, a no-break space inside, non-ASCII digits
        ("Chiamaci è facile: 02 1234 5678 ☕", "02 1234 5678"),
        (
            "Appelez le 01\u00a023\u00a045\u00a067\u00a089 — merci",
            "01\u00a023\u00a045\u00a067\u00a089",
        ),
        ("رقم ٠١٢٣٤٥٦٧٨٩ شكرا", "٠١٢٣٤٥٦٧٨٩"),
    ],
)
def test_pii_found(check_en: CheckFn, text: str, written: str) -> None:
    findings = [f for f in check_en(text).findings if f.rule == "no-personal-data"]
    assert [f.text for f in findings] == [written]
    assert findings[0].overridable is False


@pytest.mark.parametrize(
    "text",
    [
        "Boots from $129.99, 2 for $200.",
        "Open 24/7 since 2026-11-27, order #123456789.",
        "Write to help@northwind.example for repairs.",  # allowed in the file
        "Card 4111 1111 1111 1112 fails Luhn.",
    ],
)
def test_pii_not_found(check_en: CheckFn, text: str) -> None:
    assert "no-personal-data" not in rules_of(check_en(text))


def test_values_contradictions_warn_and_signals_count(check_en: CheckFn) -> None:
    result = check_en("A miracle jacket, tested and measured: the best ever.")
    contradictions = [f for f in result.findings if f.rule == "value:honest"]
    assert [f.text for f in contradictions] == ["miracle", "best ever"]
    assert all(f.level == "warning" and "honest" in f.message for f in contradictions)
    assert result.values_json() == {"honest": {"signals": 2, "contradictions": 2}}


def test_values_italian(check_it: CheckFn) -> None:
    result = check_it("Un detersivo miracoloso, testato in laboratorio.")
    assert result.values_json() == {"sincera": {"signals": 1, "contradictions": 1}}


def test_clean_draft_passes(check_en: CheckFn, check_it: CheckFn) -> None:
    assert check_en("Our TrailLite boots kept us dry on a wet week in the hills.").findings == ()
    assert check_it("Le nostre tazze Casa Aurora vanno in lavastoviglie.").findings == ()


# --------------------------------------------------------------------------- occurrence patterns


def _occurrence_checker(tmp_path: Path, pattern: str, bound: str) -> Checker:
    text = (
        "brand: Acme\nlanguage: it\nrules:\n"
        f"  - {{id: p, type: occurrence, pattern: '{pattern}', {bound}}}\n"
    )
    return Checker(load_guidelines(write_guidelines(tmp_path, "acme", text), RULE_TYPES))


def test_exponential_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    # On Python's backtracking `re`, "(a+)+$" took 7.8 s on 26 characters and doubles with
    # each one more: 5,000 would never finish. RE2 answers at once, with the same meaning.
    checker = _occurrence_checker(tmp_path, "(a+)+$", "min: 1")
    found = [f for f in checker.check(Draft("a" * 5000 + "!", "x")).findings if f.rule == "p"]
    assert [f.message for f in found] == ["'(a+)+$' compare 0 volte."]
    assert [f for f in checker.check(Draft("b" + "a" * 5000, "x")).findings if f.rule == "p"] == []


def test_pattern_classes_keep_pythons_unicode_meaning(tmp_path: Path) -> None:
    # RE2's own \w is ASCII: "perché è così" would be five words ("perch", "cos", "...").
    checker = _occurrence_checker(tmp_path, r"\w+", "max: 2")
    (found,) = [f for f in checker.check(Draft("perché è così", "x")).findings if f.rule == "p"]
    assert (found.text, found.message) == ("così", "'\\w+' compare 3 volte.")
    letters = _occurrence_checker(tmp_path, r"[^\W\d_]+", "max: 1")  # Python's "letters"
    (found,) = [f for f in letters.check(Draft("perché 42 è", "x")).findings if f.rule == "p"]
    assert found.text == "è"
    emoji = _occurrence_checker(tmp_path, r"[\U0001F300-\U0001FAFF\u2600-\u27BF]", "max: 1")
    (found,) = [f for f in emoji.check(Draft("Sole ☀ e monti 🏔 !", "x")).findings if f.rule == "p"]
    assert found.text == "🏔"

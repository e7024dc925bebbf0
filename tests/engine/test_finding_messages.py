"""Built-in messages speak the brand's language, whole: every key in every language, with the
same placeholders, and an Italian brand's findings carry no English words (issue 10, item 18:
"This reply shares no word..." and "Gulpease index 17 ... frasi e parole più brevi aiutano")."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from bot.engine.checker import Checker
from bot.engine.finding_messages import MESSAGES
from bot.engine.findings import Draft
from bot.engine.rules import RULE_TYPES
from bot.guidelines.loader import load_guidelines
from bot.guidelines.model import LANGUAGES
from tests.engine.support import write_guidelines


def _placeholders(template: str) -> tuple[int, set[str]]:
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.count("%s"), fields


def test_every_language_has_every_message_with_the_same_placeholders() -> None:
    assert set(MESSAGES) == set(LANGUAGES)
    for lang in LANGUAGES:
        assert MESSAGES[lang].keys() == MESSAGES["en"].keys(), lang
        for key, template in MESSAGES[lang].items():
            assert _placeholders(template) == _placeholders(MESSAGES["en"][key]), (lang, key)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_rule_type_has_a_default_message_in_every_language(lang: str) -> None:
    assert set(RULE_TYPES) <= MESSAGES[lang].keys()


ITALIAN = """\
brand: Casa
language: it
platforms:
  threads: {max_chars: 100, max_hashtags: 1}
disclosure:
  tags: ["#adv"]
  within_chars: 40
values:
  - id: sincera
    description: Diciamo le cose come stanno.
    contradictions: [miracoloso]
rules:
  - {id: r-existence, type: existence, tokens: [garantito]}
  - {id: r-substitution, type: substitution, swap: {economico: conveniente}}
  - {id: r-occurrence, type: occurrence, pattern: "!", max: 1}
  - {id: r-capitalization, type: capitalization, terms: [Casa Aurora]}
  - {id: r-pii, type: pii}
  - {id: r-boilerplate, type: boilerplate}
  - {id: r-readability, type: readability, min: 45, min_words: 5}
  - {id: r-relevance, type: relevance}
"""
DENSE = (
    "Nell'ambito della riorganizzazione complessiva delle procedure amministrative, la "
    "società comunica che le richieste pervenute successivamente alla scadenza prestabilita "
    "saranno considerate inammissibili."
)
ENGLISH_WORDS = re.compile(
    r"\b(?:the|this|is|has|shares|word|reply|draft|avoid|use|write|occurs|times|stock|phrase|"
    r"index|shorter|outside|range|must|within|allows|too|many|most|personal|data|contradicts|"
    r"brand|value)\b",
    re.IGNORECASE,
)


def test_an_italian_brand_reads_only_italian(tmp_path: Path) -> None:
    checker = Checker(load_guidelines(write_guidelines(tmp_path, "casa", ITALIAN), RULE_TYPES))
    drafts = [
        Draft("È garantito ed economico!! Scrivi a mario@example.com, casa aurora.", "threads"),
        Draft(DENSE + " #a #b", "threads", sponsored=True),
        Draft("Ci scusiamo per il disagio, è un prodotto miracoloso.", "instagram"),
        Draft(
            "Grazie per averci scritto! Ti contattiamo in privato.",
            "instagram",
            kind="reply",
            context="La moka Aurora perde acqua dalla guarnizione dopo una settimana",
        ),
    ]
    found = {f.rule: f.message for d in drafts for f in checker.check(d).findings}
    assert set(found) >= {
        "r-existence",
        "r-substitution",
        "r-occurrence",
        "r-capitalization",
        "r-pii",
        "r-boilerplate",
        "r-readability",
        "r-relevance",
        "platform-length",
        "platform-hashtags",
        "disclosure",
        "value:sincera",
    }, found
    english = {rule: message for rule, message in found.items() if ENGLISH_WORDS.search(message)}
    assert english == {}
    assert found["r-readability"].startswith("Indice Gulpease ")
    assert found["r-readability"].endswith(": frasi e parole più brevi aiutano.")
    assert found["r-relevance"].startswith("Questa risposta non ha nessuna parola in comune")

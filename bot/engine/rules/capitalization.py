"""`capitalization`: names that must be written exactly so ("Northwind", "TrailLite")."""

from __future__ import annotations

from typing import ClassVar

from bot.engine.document import DraftDoc
from bot.engine.findings import Finding
from bot.engine.lexicon import TermCompiler
from bot.engine.normalize import normalize
from bot.engine.rules.base import OptionSpec, Rule
from bot.guidelines.model import RuleSpec

# Hashtags and handles are case-insensitive and conventionally lower case: "#northwind" is fine.
_TAG_PREFIXES = ("#", "@")


class CapitalizationRule(Rule):
    TYPE = "capitalization"
    TERMS_ONLY = True
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        "terms": OptionSpec("str_list", required=True, help="spellings that must be used"),
    }

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        super().__init__(spec, terms)
        self.spellings: list[str] = list(self.option("terms"))
        self._normalized = [normalize(t).text for t in self.spellings]
        terms.add(spec.id, self.spellings, "lower")

    def find(self, doc: DraftDoc) -> list[Finding]:
        findings = []
        for m in doc.matches_for(self.spec.id):
            first = doc.doc[m.start]
            before = doc.doc[m.start - 1] if m.start > 0 else None
            if before is not None and before.text in _TAG_PREFIXES and not before.whitespace_:
                continue
            if first.text.startswith(_TAG_PREFIXES):
                continue
            written_norm = doc.doc[m.start : m.end].text
            if _same_words(written_norm, self._normalized[m.term]):
                continue
            start, end = doc.token_span(m.start, m.end)
            spelling = self.spellings[m.term]
            findings.append(self.finding(doc, start, end, spelling, suggestion=spelling))
        return findings


def _same_words(written: str, expected: str) -> bool:
    return written.split() == expected.split()

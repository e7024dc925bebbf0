"""`substitution`: flag each key of `swap` and suggest its value."""

from __future__ import annotations

from typing import ClassVar

from bot.engine.document import DraftDoc
from bot.engine.findings import Finding
from bot.engine.lexicon import TermCompiler, longest_first
from bot.engine.rules.base import MATCH_OPTION, OptionSpec, Rule
from bot.guidelines.model import RuleSpec

_MAX_WORDINGS = 4096


def match_case(suggestion: str, written: str) -> str:
    """Keep the writer's capitalisation: 'Cheap' -> 'Affordable', 'CHEAP' -> 'AFFORDABLE'."""
    if written.isupper() and len(written) > 1:
        return suggestion.upper()
    if written[:1].isupper() and suggestion[:1].islower():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion


class SubstitutionRule(Rule):
    TYPE = "substitution"
    TERMS_ONLY = True
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        "swap": OptionSpec("str_map", required=True, help="flagged term -> preferred term"),
        "match": MATCH_OPTION,
    }

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        super().__init__(spec, terms)
        swap: dict[str, str] = dict(self.option("swap"))
        self.flagged = list(swap)
        self.preferred = [swap[k] for k in self.flagged]
        terms.add(spec.id, self.flagged, self.option("match"))
        self._wordings: dict[tuple[int, str], tuple[str, str]] = {}

    def find(self, doc: DraftDoc) -> list[Finding]:
        findings = []
        spec = self.spec
        text = doc.text
        wordings = self._wordings
        for term, first, last in longest_first(doc.matches_for(spec.id)):
            start, end = doc.token_span(first, last)
            written = text[start:end]
            # The same few words come back draft after draft: their wording is memoised.
            wording = wordings.get((term, written))
            if wording is None:
                preferred = match_case(self.preferred[term], written)
                wording = (preferred, self.message((preferred, written)))
                if len(wordings) < _MAX_WORDINGS:
                    wordings[term, written] = wording
            findings.append(self.finding_of(start, end, written, wording[1], wording[0]))
        return findings

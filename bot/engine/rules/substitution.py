"""`substitution`: flag each key of `swap` and suggest its value."""

from __future__ import annotations

from typing import ClassVar

from bot.engine.document import DraftDoc
from bot.engine.findings import Finding
from bot.engine.lexicon import TermCompiler, longest_first
from bot.engine.rules.base import MATCH_OPTION, OptionSpec, Rule, register
from bot.guidelines.model import RuleSpec


def match_case(suggestion: str, written: str) -> str:
    """Keep the writer's capitalisation: 'Cheap' -> 'Affordable', 'CHEAP' -> 'AFFORDABLE'."""
    if written.isupper() and len(written) > 1:
        return suggestion.upper()
    if written[:1].isupper() and suggestion[:1].islower():
        return suggestion[:1].upper() + suggestion[1:]
    return suggestion


@register
class SubstitutionRule(Rule):
    TYPE = "substitution"
    TERMS_ONLY = True
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        "swap": OptionSpec("str_map", required=True, help="flagged term -> preferred term"),
        "match": MATCH_OPTION,
    }
    DEFAULT_MESSAGE = "Use '%s' instead of '%s'."

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        super().__init__(spec, terms)
        swap: dict[str, str] = dict(self.option("swap"))
        self.flagged = list(swap)
        self.preferred = [swap[k] for k in self.flagged]
        terms.add(spec.id, self.flagged, self.option("match"))

    def find(self, doc: DraftDoc) -> list[Finding]:
        findings = []
        for m in longest_first(doc.matches_for(self.spec.id)):
            start, end = doc.token_span(m.start, m.end)
            written = doc.text[start:end]
            preferred = match_case(self.preferred[m.term], written)
            findings.append(self.finding(doc, start, end, preferred, written, suggestion=preferred))
        return findings

"""`existence`: flag any of the listed tokens or phrases."""

from __future__ import annotations

from typing import ClassVar

from bot.engine.document import DraftDoc
from bot.engine.findings import Finding
from bot.engine.lexicon import TermCompiler, longest_first
from bot.engine.rules.base import MATCH_OPTION, OptionSpec, Rule
from bot.guidelines.model import RuleSpec


class ExistenceRule(Rule):
    TYPE = "existence"
    TERMS_ONLY = True
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        "tokens": OptionSpec("str_list", required=True, help="words or phrases to flag"),
        "match": MATCH_OPTION,
    }

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        super().__init__(spec, terms)
        terms.add(spec.id, self.option("tokens"), self.option("match"))

    def find(self, doc: DraftDoc) -> list[Finding]:
        text = doc.text
        findings = []
        for _, first, last in longest_first(doc.matches_for(self.spec.id)):
            start, end = doc.token_span(first, last)
            written = text[start:end]
            findings.append(self.finding_of(start, end, written, self.message((written,))))
        return findings

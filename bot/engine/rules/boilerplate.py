"""`boilerplate`: flag corporate stock phrases, built-in per language plus the brand's own."""

from __future__ import annotations

from typing import ClassVar

from bot.engine.document import DraftDoc
from bot.engine.findings import Finding
from bot.engine.lexicon import TermCompiler, longest_first
from bot.engine.rules.base import MATCH_OPTION, OptionSpec, Rule
from bot.engine.rules.stock_phrases import stock_phrases
from bot.guidelines.model import RuleSpec

_APOSTROPHES = ("'", "\u2019")


def _with_apostrophe_variants(phrases: list[str]) -> list[str]:
    """Each phrase with a straight and a curly apostrophe: the tokenizer treats them apart."""
    out: list[str] = []
    for phrase in phrases:
        out.append(phrase)
        for a, b in (_APOSTROPHES, _APOSTROPHES[::-1]):
            if a in phrase:
                out.append(phrase.replace(a, b))
    return list(dict.fromkeys(out))


class BoilerplateRule(Rule):
    TYPE = "boilerplate"
    TERMS_ONLY = True
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        "builtin": OptionSpec(
            "bool", default=True, help="also flag the built-in stock phrases of the language"
        ),
        "phrases": OptionSpec("str_list", default=(), help="the brand's own stock phrases"),
        "allow": OptionSpec(
            "str_list", default=(), help="built-in phrases this brand accepts (as listed)"
        ),
        "match": MATCH_OPTION,
    }

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        super().__init__(spec, terms)
        allow = list(self.option("allow"))
        allowed = {p.casefold() for p in allow}
        builtin = stock_phrases(terms.lang) if self.option("builtin") else ()
        phrases = [p for p in builtin if p.casefold() not in allowed]
        phrases += list(self.option("phrases"))
        self.phrases = _with_apostrophe_variants(phrases)
        if self.phrases:
            terms.add(spec.id, self.phrases, self.option("match"))
        # Allowed phrases are matched too, so that a built-in phrase that lemma-matches the
        # same words ("scusate per il disagio" ~ "ci scusiamo per il disagio") stays quiet.
        self.allow_key = f"{spec.id}\x1eallow"
        if allow:
            terms.add(self.allow_key, _with_apostrophe_variants(allow), self.option("match"))

    def find(self, doc: DraftDoc) -> list[Finding]:
        findings = []
        allowed = {i for m in doc.matches_for(self.allow_key) for i in range(m.start, m.end)}
        for m in longest_first(doc.matches_for(self.spec.id)):
            if allowed and not allowed.isdisjoint(range(m.start, m.end)):
                continue
            start, end = doc.token_span(m.start, m.end)
            findings.append(self.finding(doc, start, end, doc.text[start:end]))
        return findings

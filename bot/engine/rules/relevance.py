"""`relevance`: flag a reply that ignores the message it answers.

A reply is flagged when BOTH hold:
1. it shares no content word with the customer's message. Content words are alphabetic tokens of
   three letters or more that are neither spaCy stop words nor generic customer-care words
   ("help", "sorry", "dm", "aiuto", "disagio", ... plus the rule's `ignore` list): sharing only
   "help" with "please help!" is not engagement. Words are compared by lemma (spaCy's lookup
   table: "ordered" ~ "order") and, to stay on the safe side, by their first five letters
   ("delivery" ~ "delivered");
2. it addresses nothing specific: no figure (an order number, a time, a price; digits inside
   @handles and links do not count) and no question about specifics, i.e. a question with at
   least two content words ("Which store did you buy it from?", not "How can we help?").

Only replies with a context message are checked; a context without content words (emoji, a lone
"@brand ???") gives nothing to share, so nothing is flagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import ClassVar

from spacy.lookups import load_lookups
from spacy.tokens import Doc, Token

from bot.engine.document import DraftDoc
from bot.engine.findings import Finding
from bot.engine.lexicon import TermCompiler
from bot.engine.normalize import normalize, strip_accents
from bot.engine.rules.base import OptionSpec, Rule
from bot.engine.rules.stock_phrases import GENERIC_WORDS
from bot.guidelines.model import RuleSpec

_STEM = 5
_MIN_LETTERS = 3


@cache
def _lemmas(lang: str) -> dict[str, str]:
    """spaCy's form -> lemma lookup table of a language, loaded once, on first use."""
    try:
        table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
    except (ValueError, KeyError):  # no lookup data for this language
        return {}
    return table  # type: ignore[return-value]  # a Table is a mapping of str -> str


def _has_figure(token: Token) -> bool:
    text = token.text
    return (
        any(c.isdigit() for c in text)
        and not text.startswith(("@", "\uff20"))
        and not token.like_url
        and not token.like_email
    )


class RelevanceRule(Rule):
    TYPE = "relevance"
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        "ignore": OptionSpec(
            "str_list", default=(), help="more words that never count as shared (e.g. the brand)"
        ),
    }
    DEFAULT_MESSAGE = (
        "This reply shares no word with the message it answers (about: %s) and addresses "
        "nothing specific in it."
    )

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        super().__init__(spec, terms)
        self.lang = terms.lang
        self.nlp = terms.nlp
        extra = {strip_accents(w.casefold()) for w in self.option("ignore")}
        self.generic = GENERIC_WORDS.get(self.lang, frozenset()) | extra

    def _content(self, tokens: Iterable[Token]) -> dict[str, str]:
        """Lemma -> first form written, of the content words, in order of first appearance."""
        lemmas = _lemmas(self.lang)
        out: dict[str, str] = {}
        for token in tokens:
            if not token.is_alpha or token.is_stop or len(token.text) < _MIN_LETTERS:
                continue
            lower = token.lower_
            lemma = strip_accents(str(lemmas.get(lower, lower)).casefold())
            if lemma in self.generic or strip_accents(lower) in self.generic:
                continue
            out.setdefault(lemma, token.text)
        return out

    def _asks_specifics(self, doc: Doc) -> bool:
        start = 0
        for i, token in enumerate(doc):
            if "?" in token.text:
                if len(self._content(doc[start:i])) >= 2:
                    return True
                start = i + 1
            elif token.text in (".", "!", "\n"):
                start = i + 1
        return False

    def find(self, doc: DraftDoc) -> list[Finding]:
        draft = doc.draft
        if draft.kind != "reply" or not draft.context or not draft.context.strip():
            return []
        asked = self._content(self.nlp.make_doc(normalize(draft.context).text))
        if not asked:
            return []
        said = self._content(doc.doc)
        if set(said) & set(asked):
            return []
        asked_stems = {w[:_STEM] for w in asked if len(w) >= _STEM}
        if any(w[:_STEM] in asked_stems for w in said if len(w) >= _STEM):
            return []
        if any(_has_figure(t) for t in doc.doc) or self._asks_specifics(doc.doc):
            return []
        return [self.finding(doc, 0, len(doc.text), ", ".join(list(asked.values())[:5]))]

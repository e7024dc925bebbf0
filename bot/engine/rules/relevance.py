"""`relevance`: flag a reply that ignores the message it answers.

Precision first: a finding that is wrong half the time teaches approvers to ignore findings
(benchmarks/relevance/ measures it on real labelled replies). A reply is flagged only when it
says nothing of its own, in reply to a customer who said something:

1. the customer's message has content words (alphabetic, three letters or more, neither stop
   words nor customer-care words such as "help", "sorry", "dm"; plus the rule's `ignore` list),
   and is not thanks, praise or a closing ("Thanks, that worked!" may be answered by anything,
   "Hi" by "Hello!");
2. the reply has no content word of its own: every word is care-speak ("We appreciate your
   feedback, thank you for sharing your concerns"), a name or a signature. Any other word, be it
   shared with the customer, a lemma of theirs ("ordered" ~ "order"), a synonym ("package" for
   "parcel") or an answer in other words, spares the reply: the rule cannot tell those apart, so
   it never flags them;
3. the reply addresses nothing specific: no figure (an order number, a time, a price; digits in
   @handles and links do not count), no question about specifics ("Which store did you buy it
   from?"), and it does not ask for what the case needs or to move to a private channel ("DM us
   your order number", "send us a DM"; "DM us if you have questions" is an offer, not a request);
4. it does not answer a yes/no question ("We sure do! More here: <link>");
5. it says something at all: an emoji, "Yes" or "Well played" answers, it does not ignore.

Also flagged: a reply asking for what the message already gives (the platform after "my PS4",
the link after a link), and a stock deflection of a question: "we'll pass your feedback on", "if
you need help, let us know" in answer to "any way to block this ad?", with nothing else of its
own (see `_deflects_a_question`). Only replies with a context message are checked.
"""

from __future__ import annotations

import re
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
from bot.engine.rules.relevance_words import (
    ACTION,
    ANSWER,
    ASKED_AGAIN,
    CARE_WORDS,
    CHANGE_REQUEST,
    CONDITIONAL_OFFER,
    CONTACT_REQUEST,
    DEFLECTION,
    DEFLECTION_WORDS,
    GRATITUDE,
    HOW_TO,
    INVITATION,
    NAME_MARKERS,
    NOT_STOP,
    SAID_CONTACT,
    VAGUE_REQUEST,
    VENTING,
)
from bot.engine.rules.stock_phrases import GENERIC_WORDS
from bot.guidelines.model import RuleSpec

_MIN_LETTERS = 3
_MIN_CARE_WORDS = 2
# A customer message with fewer content words is an answer ("Alfreton", "Yes, GEX8LD") to the
# brand's own question: whatever acknowledges it ("Thanks, we'll send it") is fine.
_MIN_ASKED_WORDS = 3
_HANDLE = re.compile(r"^(?:\s*[@\uff20]\w+)+\s*")


@cache
def _lemmas(lang: str) -> dict[str, str]:
    """spaCy's form -> lemma lookup table of a language, loaded once, on first use."""
    try:
        table = load_lookups(lang, ["lemma_lookup"]).get_table("lemma_lookup")
    except (ValueError, KeyError):  # no lookup data for this language
        return {}
    return table  # a Table is a mapping of str -> str


def _has_figure(token: Token) -> bool:
    text = token.text
    return (
        any(c.isdigit() for c in text)
        and not text.startswith(("@", "\uff20"))
        and not token.like_url
        and "http" not in text.lower()  # "visit;https://t.co/..." is one token
        and not token.like_email
    )


def _is_name(token: Token) -> bool:
    """A name or signature: "Hi Jenna", "Thanks, Paul", "-Becky", "^KL", "*KennethStone"."""
    if not token.text[:1].isupper() or token.i == 0:
        return False
    before = token.doc[token.i - 1]
    return before.lower_ in NAME_MARKERS or (before.is_punct and before.text in NAME_MARKERS)


def _is_tag(token: Token) -> bool:
    """A hashtag's word (#MagentaCarpet): a campaign's label, not something said to the customer."""
    return token.i > 0 and token.doc[token.i - 1].text in ("#", "\uff03")


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
        self.care = self.generic | CARE_WORDS.get(self.lang, frozenset())
        self.gratitude = GRATITUDE.get(self.lang, frozenset())
        self.contact = CONTACT_REQUEST.get(self.lang)
        self.offer = CONDITIONAL_OFFER.get(self.lang)
        self.answer = ANSWER.get(self.lang)
        self.action = ACTION.get(self.lang)
        self.vague = VAGUE_REQUEST.get(self.lang)
        self.how_to = HOW_TO.get(self.lang)
        self.invitation = INVITATION.get(self.lang)
        self.asked_again = ASKED_AGAIN.get(self.lang, ())
        self.venting = self.care | VENTING.get(self.lang, frozenset())
        self.deflection = DEFLECTION.get(self.lang)
        self.change_request = CHANGE_REQUEST.get(self.lang)
        self.said_contact = SAID_CONTACT.get(self.lang)
        self.deflection_words = self.care | DEFLECTION_WORDS.get(self.lang, frozenset())

    def _is_stop(self, token: Token, lemma: str) -> bool:
        if lemma in NOT_STOP:
            return False
        return token.is_stop or lemma in self.nlp.Defaults.stop_words

    def _lemma(self, token: Token) -> str:
        lower = token.lower_
        return strip_accents(str(_lemmas(self.lang).get(lower, lower)).casefold())

    def _words(self, tokens: Iterable[Token]) -> Iterable[tuple[Token, str]]:
        for token in tokens:
            # Two-letter acronyms (TV, PC, OS) name things; other short words do not.
            if token.is_alpha and (
                len(token.text) >= _MIN_LETTERS or (len(token.text) == 2 and token.is_upper)
            ):
                yield token, self._lemma(token)

    def _content(self, tokens: Iterable[Token], vocabulary: frozenset[str]) -> dict[str, str]:
        """Lemma -> first form written, of the words outside `vocabulary` and the stop words."""
        out: dict[str, str] = {}
        for token, lemma in self._words(tokens):
            if (
                self._is_stop(token, lemma)
                or lemma in vocabulary
                or strip_accents(token.lower_) in vocabulary
            ):
                continue
            out.setdefault(lemma, token.text)
        return out

    def _thanks(self, doc: Doc) -> bool:
        """Thanks, praise or a closing; a question with a polite "thanks" is still a question."""
        if any("?" in token.text for token in doc):
            return False
        # Every word, however short: "Tx", "ty".
        return any(
            token.lower_ in self.gratitude or self._lemma(token) in self.gratitude
            for token in doc
            if token.is_alpha
        )

    def _asks_specifics(self, doc: Doc, minimum: int = 2) -> bool:
        start = 0
        for i, token in enumerate(doc):
            if "?" in token.text:
                if len(self._content(doc[start:i], self.care)) >= minimum:
                    return True
                start = i + 1
            elif token.text in (".", "!", "\n"):
                start = i + 1
        return False

    def _requests_contact(self, text: str) -> bool:
        if self.contact is None:
            return False
        for sentence in self._sentences(text):
            if self.contact.search(sentence) and not (
                self.offer is not None and self.offer.search(sentence)
            ):
                return True
        return False

    def _acts(self, text: str) -> bool:
        """A promise to act on the case, unless all it asks for is "more information"."""
        if self.action is None or not self.action.search(text):
            return False
        return self.vague is None or not self.vague.search(text)

    def _invites(self, text: str) -> bool:
        """An open "What's going on?", unless it asks for "more detail" the customer gave."""
        if self.invitation is None or not self.invitation.search(text):
            return False
        return self.vague is None or not self.vague.search(text)

    def _links_a_how_to(self, context: str, reply: Doc) -> bool:
        return (
            self.how_to is not None
            and self.how_to.search(context) is not None
            and any(token.like_url for token in reply)
        )

    @staticmethod
    def _sentences(text: str) -> list[str]:
        out, current = [], []
        for char in text:
            current.append(char)
            if char in ".?!\n":
                out.append("".join(current))
                current = []
        out.append("".join(current))
        return out

    def _says_something_of_its_own(self, doc: Doc) -> bool:
        own = [
            token
            for token, lemma in self._words(doc)
            if not self._is_stop(token, lemma)
            and lemma not in self.care
            and strip_accents(token.lower_) not in self.care
            and not _is_name(token)
            and not _is_tag(token)
        ]
        return bool(own)

    def find(self, doc: DraftDoc) -> list[Finding]:
        draft = doc.draft
        if draft.kind != "reply" or not draft.context or not draft.context.strip():
            return []
        again = self._asks_again(doc.text, draft.context)
        if again is not None:
            return [self.finding(doc, 0, len(doc.text), again)]
        context = self.nlp.make_doc(normalize(draft.context).text)
        asked = self._content(context, self.venting)
        if len(asked) < _MIN_ASKED_WORDS or self._thanks(context):
            return []
        reply = doc.doc
        if self._deflects_a_question(context, reply, doc.text, draft.context):
            return [self.finding(doc, 0, len(doc.text), ", ".join(list(asked.values())[:5]))]
        if self._says_something_of_its_own(reply):
            return []
        if any(_has_figure(t) for t in reply) or self._asks_specifics(reply):
            return []
        if self._requests_contact(doc.text):
            return []
        opening = _HANDLE.sub("", doc.text)
        if self.answer is not None and (
            self.answer.match(opening) or ("?" in draft.context and self.answer.search(opening))
        ):
            return []
        if self._invites(doc.text):
            return []
        if self._acts(doc.text) or self._links_a_how_to(draft.context, reply):
            return []
        care_words = sum(1 for token, _ in self._words(reply) if not _is_name(token))
        if care_words < _MIN_CARE_WORDS:
            return []
        # The message (bot/engine/finding_messages.py, per language) takes what the customer wrote.
        return [self.finding(doc, 0, len(doc.text), ", ".join(list(asked.values())[:5]))]

    def _deflects_a_question(self, context: Doc, reply: Doc, text: str, asked: str) -> bool:
        """A question about specifics answered by a stock deflection alone (feedback noted, help
        offered "if you need it"): nothing in the reply answers, asks back or acts. A question
        asking for a change ("Can you add ...?") is answered by noting the feedback."""
        if self.deflection is None or not self.deflection.search(text):
            return False
        if not self._asks_specifics(context, minimum=1):
            return False
        if self.change_request is not None and self.change_request.search(asked):
            return False
        if any(_has_figure(t) or t.like_url for t in reply) or self._asks_specifics(reply):
            return False
        # Beyond the deflection's own words and the customer's, at most one word: more is an
        # answer in other words ("That option is not available"), which the rule cannot judge.
        theirs = set(self._content(context, frozenset()))
        own = {
            lemma
            for token, lemma in self._words(reply)
            if not self._is_stop(token, lemma)
            and lemma not in self.deflection_words
            and strip_accents(token.lower_) not in self.deflection_words
            and lemma not in theirs
            and not _is_name(token)
            and not _is_tag(token)
        }
        if len(own) > 1:
            return False
        opening = _HANDLE.sub("", text)
        if self.answer is not None and self.answer.search(opening):
            return False
        # Asking for the case's details or a private channel is a next step, not a deflection.
        # "Thanks for reaching out" and "Tweet us" (to someone tweeting already) ask for nothing.
        rest = self.said_contact.sub(" ", text) if self.said_contact is not None else text
        return not self._requests_contact(rest)

    def _asks_again(self, reply: str, context: str) -> str | None:
        """What the customer already gave that the reply asks for again (e.g. "PS4"), if any."""
        for request, given, _what in self.asked_again:
            if request.search(reply):
                found = given.search(context)
                if found is not None:
                    return found.group(0)
        return None

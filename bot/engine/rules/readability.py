"""`readability`: keep a draft's reading-ease score inside the brand's range.

English drafts get the Flesch reading ease (206.835 - 1.015 words/sentence - 84.6
syllables/word; 60-70 is plain English, below 30 is academic prose); Italian drafts get the
Gulpease index (89 + (300 sentences - 10 letters) / words; 0-100, above 60 is easy for most
readers), which counts letters instead of syllables because Italian syllables are regular.

Only brands that use the rule pay for it: the counts come from regular expressions over the
matching text, with no extra spaCy pipeline component.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from bot.engine.document import DraftDoc
from bot.engine.finding_messages import message
from bot.engine.findings import Finding
from bot.engine.lexicon import TermCompiler
from bot.engine.links import URL
from bot.engine.rules.base import OptionSpec, Rule
from bot.guidelines.model import RuleSpec

# Handles, hashtags, links and e-mail addresses are not prose: they are left out of every count.
_NOT_PROSE = re.compile(rf"{URL.pattern}|\S+@\S+|[@#]\w+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# A sentence ends at . ! ? … (one or more) before a space or the end, or at a line break.
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_SOUNDED_E = ("le", "ee", "ye")
_SOUNDED_ED = ("ted", "ded", "eed")
_SOUNDED_ES = ("ses", "zes", "ces", "xes", "ches", "shes", "ges")

#: languages with an index (its name, per language, is in bot/engine/finding_messages.py)
SCORED_LANGUAGES = ("en", "it")


@dataclass(frozen=True, slots=True)
class TextCounts:
    sentences: int
    words: int
    letters: int
    syllables: int


def english_syllables(word: str) -> int:
    """Vowel groups, less a silent final e ("make", "walked", "makes"); at least 1.

    A final "-le" after a consonant keeps its e ("ta-ble"); "-ted"/"-ded" and sibilant "-es"
    ("wanted", "boxes") keep theirs. Good to about one syllable in ten, enough for a score.
    """
    word = word.lower().replace("’", "'").split("'")[0]
    if len(word) <= 3:
        return 1
    count = len(_VOWEL_GROUPS.findall(word))
    silent_e = (
        (word.endswith("e") and not word.endswith(_SOUNDED_E))
        or (word.endswith("ed") and not word.endswith(_SOUNDED_ED))
        or (word.endswith("es") and not word.endswith(_SOUNDED_ES))
    )
    return max(1, count - silent_e)


def count_text(text: str, syllables: bool) -> TextCounts:
    prose = _NOT_PROSE.sub(" ", text)
    words = _WORD.findall(prose)
    pieces = [p for p in _SENTENCE_END.split(prose) if _WORD.search(p)]
    return TextCounts(
        sentences=max(1, len(pieces)),
        words=len(words),
        letters=sum(len(w.replace("'", "").replace("’", "")) for w in words),
        syllables=sum(english_syllables(w) for w in words) if syllables else 0,
    )


def flesch_reading_ease(counts: TextCounts) -> float:
    return (
        206.835 - 1.015 * counts.words / counts.sentences - 84.6 * counts.syllables / counts.words
    )


def gulpease(counts: TextCounts) -> float:
    return 89 + (300 * counts.sentences - 10 * counts.letters) / counts.words


def readability(text: str, lang: str) -> tuple[float, TextCounts] | None:
    """The language's score of `text`, or None for a language without an index or no words."""
    if lang not in SCORED_LANGUAGES:
        return None
    counts = count_text(text, syllables=lang == "en")
    if counts.words == 0:
        return None
    score = flesch_reading_ease(counts) if lang == "en" else gulpease(counts)
    return score, counts


class ReadabilityRule(Rule):
    TYPE = "readability"
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        "min": OptionSpec("int", help="lowest acceptable score (harder text is flagged)"),
        "max": OptionSpec("int", help="highest acceptable score (simpler text is flagged)"),
        "min_words": OptionSpec(
            "int", minimum=1, default=12, help="shorter drafts are not scored: too noisy"
        ),
    }
    REQUIRE_ONE_OF = (("min", "max"),)

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        super().__init__(spec, terms)
        self.lang = terms.lang
        self.minimum: int | None = self.option("min")
        self.maximum: int | None = self.option("max")
        self.min_words: int = self.option("min_words")

    def _range(self) -> str:
        low = "" if self.minimum is None else str(self.minimum)
        high = "" if self.maximum is None else str(self.maximum)
        if low and high:
            return f"{low}-{high}"
        return f">= {low}" if low else f"<= {high}"

    def find(self, doc: DraftDoc) -> list[Finding]:
        scored = readability(doc.match_text, self.lang)
        if scored is None or scored[1].words < self.min_words:
            return []
        score, _ = scored
        if self.minimum is not None and score < self.minimum:
            key = "readability.low"  # harder than the brand's voice
        elif self.maximum is not None and score > self.maximum:
            key = "readability.high"
        else:
            return []
        shown = f"{score:.0f}"
        name = message(self.lang, "readability.index")
        found = self.finding(doc, 0, len(doc.text), shown, self._range(), name)
        if self.spec.message is None:
            wording = message(self.lang, key, index=name, score=shown, range=self._range())
            found = found._replace(message=wording)
        return [found]

"""`occurrence`: flag a pattern or term that occurs more than `max` (or fewer than `min`) times."""

from __future__ import annotations

import re
from typing import ClassVar

from bot.engine.document import DraftDoc
from bot.engine.findings import Finding
from bot.engine.lexicon import TermCompiler
from bot.engine.rules.base import MATCH_OPTION, OptionSpec, Rule
from bot.guidelines.model import RuleSpec
from bot.guidelines.patterns import compile_pattern


class OccurrenceRule(Rule):
    TYPE = "occurrence"
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        "pattern": OptionSpec(
            "regex", help="regular expression (Python syntax, run on RE2) counted in the text"
        ),
        "tokens": OptionSpec("str_list", help="words or phrases counted together"),
        "match": MATCH_OPTION,
        "max": OptionSpec("int", minimum=0, help="most occurrences allowed"),
        "min": OptionSpec("int", minimum=1, help="fewest occurrences required"),
    }
    REQUIRE_ONE_OF = (("pattern", "tokens"), ("max", "min"))

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        super().__init__(spec, terms)
        pattern = self.option("pattern")
        # RE2, in linear time: no pattern of a guideline file can make a check slow
        self.pattern = compile_pattern(pattern) if pattern else None
        tokens = self.option("tokens")
        if tokens:
            terms.add(spec.id, tokens, self.option("match"))
        # A pattern without regex syntax ("!") is counted with str.count first: most drafts
        # stay under the limit and need no regex pass at all.
        literal = pattern if pattern and re.escape(pattern) == pattern else None
        self.maximum: int | None = self.option("max")
        self.minimum: int | None = self.option("min")
        # Set when counting the literal settles the common case: under a maximum, no minimum.
        self.count_only = literal if self.minimum is None and self.maximum is not None else None
        self.label = pattern or ", ".join(tokens or ())

    def _occurrences(self, doc: DraftDoc) -> list[tuple[int, int]]:
        spans = [doc.token_span(m.start, m.end) for m in doc.matches_for(self.spec.id)]
        if self.pattern is not None:
            spans += [
                doc.char_span(m.start(), m.end())
                for m in self.pattern.finditer(doc.match_text)
                if m.end() > m.start()
            ]
        return sorted(set(spans))

    def find(self, doc: DraftDoc) -> list[Finding]:
        literal = self.count_only
        if (
            literal is not None
            and doc.match_text.count(literal) <= self.maximum  # type: ignore[operator]
            and self.spec.id not in doc.matches
        ):
            return []
        found = self._occurrences(doc)
        count = str(len(found))
        if self.maximum is not None and len(found) > self.maximum:
            # Point at the first occurrence past the limit: that is what has to go.
            start, end = found[self.maximum]
            return [self.finding(doc, start, end, self.label, count)]
        if self.minimum is not None and len(found) < self.minimum:
            return [self.finding(doc, 0, 0, self.label, count)]
        return []

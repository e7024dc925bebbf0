"""`duplicate`: flag a draft that repeats what the brand already said, e.g. a pasted reply.

"Repeats" means: at least `threshold` percent similar (estimated Jaccard similarity of the word
pairs) to an earlier draft of the same brand, submitted within the last `window_days`, once
handles, greeting names, agent signatures, numbers and links are set aside (see
`bot.engine.near_duplicates`). Other revisions of the same draft never count.

The rule looks drafts up in the history the checker was given (`Checker.check(draft,
history=...)`). Without one (a plain `brandgate check`) it finds nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar

from bot.engine.document import DraftDoc
from bot.engine.findings import Finding
from bot.engine.lexicon import TermCompiler
from bot.engine.rules.base import OptionSpec, Rule
from bot.guidelines.model import RuleSpec


class DuplicateRule(Rule):
    TYPE = "duplicate"
    READS_HISTORY = True
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        "window_days": OptionSpec(
            "int", minimum=1, default=30, help="how far back earlier drafts count, in days"
        ),
        "threshold": OptionSpec(
            "int",
            minimum=1,
            default=80,
            help="similarity in percent (1-100) from which a draft is a near-duplicate",
        ),
        "min_words": OptionSpec(
            "int",
            minimum=1,
            default=6,
            help="shorter drafts (after removing names, numbers, links) are never flagged",
        ),
    }
    # A custom `message:` gets, in order: the count, the window in days, the closest draft's id
    # and its similarity in percent (the default per language: bot/engine/finding_messages.py).

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        super().__init__(spec, terms)
        self.window = timedelta(days=self.option("window_days"))
        # Percent, capped at 100 (the loader checks only the lower bound).
        self.threshold = min(self.option("threshold"), 100) / 100
        self.min_words: int = self.option("min_words")
        # Imported by the brands that have this rule, not by every check's start-up.
        from bot.engine.near_duplicates import signature

        self._signature = signature

    def find(self, doc: DraftDoc) -> list[Finding]:
        history = doc.history
        if history is None:
            return []
        sig = self._signature(doc.text)
        if sig.words < self.min_words:
            return []
        found = history.query(
            doc.brand_id,
            sig,
            history.now() - self.window,
            self.threshold,
            exclude_draft=doc.draft.id,
        )
        if not found:
            return []
        closest = found[0]
        args = (
            str(len(found)),
            str(self.window.days),
            closest.draft_id,
            f"{closest.similarity * 100:.0f}",
        )
        return [self.finding(doc, 0, len(doc.text), *args)]

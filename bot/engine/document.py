"""The view of one draft that every rule's `find` receives."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from spacy.tokens import Doc

from bot.engine.findings import Draft
from bot.engine.lexicon import TermMatch
from bot.engine.normalize import Normalized
from bot.engine.tokens import Tokens

if TYPE_CHECKING:  # loaded by the batches that keep a history, not by every check
    from bot.engine.near_duplicates import HistoryIndex


class DraftDoc(NamedTuple):
    """A draft, its matching text, its tokens, the spaCy doc over that text (only for the rules
    that read it) and the brand's term matches.

    `tokens` and `doc` are of the normalised text (`match_text`); `token_span` and `char_span` turn
    positions in it back into offsets of the ORIGINAL text (`text`), which is what findings
    must carry. A named tuple: every check builds one (the checker with `tuple.__new__`, no
    Python call), and every rule reads its fields, which a tuple serves fastest.
    """

    draft: Draft
    norm: Normalized
    #: None unless a rule that applies to the draft reads tokens (`Rule.READS_TOKENS`)
    doc: Doc | None
    matches: dict[str, list[TermMatch]]
    #: the brand's earlier drafts (duplicate rule); None when checking without a history
    history: HistoryIndex | None
    brand_id: str
    text: str
    match_text: str
    #: the same tokens as `doc` would hold (token indices of `matches` index both)
    tokens: Tokens

    def token_span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of tokens [start, end)."""
        norm = self.norm
        if norm.starts is None:
            return self.tokens.span(start, end)
        return norm.to_original(*self.tokens.span(start, end))

    @property
    def spacy_doc(self) -> Doc:
        """The Doc, for a rule with READS_TOKENS (the checker builds it for those only)."""
        if self.doc is None:
            raise RuntimeError("this draft was checked without a Doc: set READS_TOKENS")
        return self.doc

    def char_span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of characters [start, end) of the matching text."""
        return self.norm.to_original(start, end)

    def matches_for(self, key: str) -> list[TermMatch]:
        return self.matches.get(key, [])

"""The view of one draft that every rule's `find` receives."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from spacy.tokens import Doc

from bot.engine.findings import Draft
from bot.engine.lexicon import TermMatch
from bot.engine.normalize import Normalized

if TYPE_CHECKING:  # loaded by the batches that keep a history, not by every check
    from bot.engine.near_duplicates import HistoryIndex


class DraftDoc(NamedTuple):
    """A draft, its matching text, the spaCy doc over that text and the brand's term matches.

    `doc` is built from the normalised text (`match_text`); `token_span` and `char_span` turn
    positions in it back into offsets of the ORIGINAL text (`text`), which is what findings
    must carry. A named tuple: every check builds one (the checker with `tuple.__new__`, no
    Python call), and every rule reads its fields, which a tuple serves fastest.
    """

    draft: Draft
    norm: Normalized
    doc: Doc
    matches: dict[str, list[TermMatch]]
    #: the brand's earlier drafts (duplicate rule); None when checking without a history
    history: HistoryIndex | None
    brand_id: str
    text: str
    match_text: str

    def token_span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of tokens [start, end)."""
        first = self.doc[start]
        last = first if end - start == 1 else self.doc[end - 1]
        # len(token) reads the length without building the token's string
        norm = self.norm
        if norm.starts is None:
            return first.idx, last.idx + len(last)
        return norm.to_original(first.idx, last.idx + len(last))

    def char_span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of characters [start, end) of the matching text."""
        return self.norm.to_original(start, end)

    def matches_for(self, key: str) -> list[TermMatch]:
        return self.matches.get(key, [])

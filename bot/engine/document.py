"""The view of one draft that every rule's `find` receives."""

from __future__ import annotations

from spacy.tokens import Doc

from bot.engine.findings import Draft
from bot.engine.history import HistoryIndex
from bot.engine.lexicon import TermMatch
from bot.engine.normalize import Normalized


class DraftDoc:
    """A draft, its matching text, the spaCy doc over that text and the brand's term matches.

    `doc` is built from the normalised text (`match_text`); `token_span` and `char_span` turn
    positions in it back into offsets of the ORIGINAL text (`text`), which is what findings
    must carry. Every rule reads these for every draft, so they are plain attributes.
    """

    __slots__ = ("brand_id", "doc", "draft", "history", "match_text", "matches", "norm", "text")

    def __init__(
        self,
        draft: Draft,
        norm: Normalized,
        doc: Doc,
        matches: dict[str, list[TermMatch]] | None = None,
        history: HistoryIndex | None = None,
        brand_id: str = "",
    ) -> None:
        self.draft = draft
        self.norm = norm
        self.doc = doc
        self.matches: dict[str, list[TermMatch]] = {} if matches is None else matches
        #: the brand's earlier drafts (duplicate rule); None when checking without a history
        self.history = history
        self.brand_id = brand_id
        self.text = norm.original
        self.match_text = norm.text

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

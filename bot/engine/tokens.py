"""spaCy's tokens of a text, assembled from remembered chunks instead of a new Doc per draft.

spaCy's tokenizer cuts a text into runs of whitespace and non-whitespace (a single space after
a word is absorbed into that word's token) and tokenizes each run on its own: its cache is keyed
by the run's string, so a run's tokens depend on that run alone. One later pass
(`Tokenizer._apply_special_cases`) matches special-case patterns over the whole doc; a match
that spans two runs changes no token (its text holds a space, and no special case of the
language holds whitespace beside other characters, which `Chunks.usable` checks) but may, as
the longer match, hide a shorter one inside a run. So the tokens of a text are the
concatenation of the tokens of its runs, each tokenized alone, unless two adjacent runs could
hold such a straddling match: then (rarely) the text is tokenized whole. The tests compare both
ways on random and adversarial texts.

A draft then costs a split, one dict look-up per run and a concatenation, where a Doc costs a
C-level tokenization plus Python object set-up that dominated a check. The Doc itself is built
only for the rules that read tokens (`Rule.READS_TOKENS`).
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from functools import cache
from itertools import accumulate, chain
from operator import itemgetter
from typing import NamedTuple

from spacy.attrs import IDX, LOWER, ORTH
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

# Runs of whitespace or of anything else, as spaCy's tokenizer reads them: Python's `\s`, like
# `str.split` and spaCy's `isspace`, is Py_UNICODE_ISSPACE.
_RUNS = re.compile(r"\s+|\S+")
# Remembered runs per language; emptied when full (that only costs the next drafts a rescan).
_MAX_CHUNKS = 200_000


class _Chunk(NamedTuple):
    lower: tuple[int, ...]
    orth: tuple[int, ...]
    starts: tuple[int, ...]  # character offsets of the tokens inside the run
    ends: tuple[int, ...]
    head: frozenset[str]  # special-pattern pieces the run may start with
    #: the pieces that may follow the run's last piece in a special-case pattern
    partners: frozenset[str]


_LOWERS = itemgetter(0)
_ORTHS = itemgetter(1)
_HEAD = itemgetter(4)
_PARTNERS = itemgetter(5)
_NOTHING: frozenset[str] = frozenset()


class Tokens:
    """The tokens of one text: LOWER and ORTH ids, and character spans on demand."""

    __slots__ = ("_bases", "_chunks", "_firsts", "_runs", "lower", "orth")

    def __init__(
        self,
        lower: list[int],
        orth: list[int] | None,
        chunks: list[_Chunk],
        runs: list[str] | None,
        bases: list[int] | None,
    ) -> None:
        self.lower = lower
        self.orth = orth
        self._chunks = chunks
        self._runs = runs  # single-space separated runs: bases follow from their lengths
        self._bases = bases
        self._firsts: list[int] | None = None

    def __len__(self) -> int:
        return len(self.lower)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Character offsets (in the tokenized text) of tokens [start, end)."""
        firsts = self._firsts
        if firsts is None:
            chunks = self._chunks
            firsts = self._firsts = [0, *accumulate(map(len, map(_LOWERS, chunks)))]
            if self._bases is None:
                runs = self._runs or []
                self._bases = [0, *accumulate(map(len, runs))]
                # each run but the first starts one space after the one before
                self._bases = [base + i for i, base in enumerate(self._bases)]
        bases = self._bases
        assert bases is not None
        chunks = self._chunks
        i = bisect_right(firsts, start) - 1
        j = bisect_right(firsts, end - 1) - 1
        return (
            bases[i] + chunks[i].starts[start - firsts[i]],
            bases[j] + chunks[j].ends[end - 1 - firsts[j]],
        )


def tokens_of_doc(doc: Doc) -> Tokens:
    """The same view over a Doc that was tokenized whole."""
    rows = doc.to_array([LOWER, ORTH, IDX]).tolist() if len(doc) else []
    starts = tuple(row[2] for row in rows)
    ends = tuple(start + len(token) for start, token in zip(starts, doc, strict=True))
    lower = [row[0] for row in rows]
    orth = [row[1] for row in rows]
    chunk = _Chunk(tuple(lower), tuple(orth), starts, ends, _NOTHING, _NOTHING)
    return Tokens(lower, orth, [chunk], None, [0])


class Chunks:
    """Remembers the tokens of each run of a language's tokenizer, for `tokens`."""

    def __init__(self, nlp: Language) -> None:
        self.tokenizer: Tokenizer = nlp.tokenizer  # type: ignore[assignment]
        self._memo: dict[str, _Chunk] = {}
        self._lock = threading.Lock()
        pairs, heads, tails = _special_pieces(self.tokenizer)
        self._partners: dict[str, frozenset[str]] = {}
        for a, b in pairs:
            self._partners[a] = self._partners.get(a, _NOTHING) | {b}
        self._heads = heads
        self._tails = tails
        # A special case with whitespace beside other characters could change tokens across
        # runs: then every text is tokenized whole.
        self.usable = not any(
            len(rule) > 1 and any(c.isspace() for c in rule) for rule in self.tokenizer.rules
        )

    def tokens(self, text: str, with_orth: bool) -> Tokens:
        if not self.usable:
            return self._whole(text)
        runs = text.split()
        bases: list[int] | None = None
        if " ".join(runs) != text:
            runs, bases = _runs_of(text)
            simple = False
        else:
            simple = True
        memo = self._memo
        get = memo.get
        chunks = [get(run) for run in runs]
        if None in chunks:
            chunks = [get(run) or self._learn(run) for run in runs]
        if any(map(_PARTNERS, chunks)) and self._straddles(chunks):  # type: ignore[arg-type]
            return self._whole(text)
        lower = list(chain.from_iterable(map(_LOWERS, chunks)))  # type: ignore[arg-type]
        orth = list(chain.from_iterable(map(_ORTHS, chunks))) if with_orth else None  # type: ignore[arg-type]
        return Tokens(lower, orth, chunks, runs if simple else None, bases)  # type: ignore[arg-type]

    def _whole(self, text: str) -> Tokens:
        return tokens_of_doc(self.tokenizer(text))

    def _straddles(self, chunks: list[_Chunk]) -> bool:
        """Whether two adjacent runs (a whitespace run between them would be a token of its
        own) may hold a special-case match across them."""
        return any(map(frozenset.intersection, map(_PARTNERS, chunks), map(_HEAD, chunks[1:])))

    def _learn(self, run: str) -> _Chunk:
        doc = self.tokenizer(run)
        starts = tuple(token.idx for token in doc)
        chunk = _Chunk(
            tuple(token.lower for token in doc),
            tuple(token.orth for token in doc),
            starts,
            tuple(start + len(token) for start, token in zip(starts, doc, strict=True)),
            _NOTHING,
            _NOTHING,
        )
        if not run[0].isspace():
            # Any token the affix pass makes at a run's edge is a prefix or suffix of the run:
            # testing the run's own prefixes and suffixes over-approximates it safely.
            head = frozenset(run[:n] for n in self._heads if run[:n] in self._heads[n])
            tails = [run[-n:] for n in self._tails if run[-n:] in self._tails[n]]
            partners = frozenset(b for a in tails for b in self._partners.get(a, ()))
            if head or partners:
                chunk = chunk._replace(head=head or _NOTHING, partners=partners or _NOTHING)
        with self._lock:
            if len(self._memo) >= _MAX_CHUNKS:
                self._memo.clear()
            self._memo[run] = chunk
        return chunk


def _runs_of(text: str) -> tuple[list[str], list[int]]:
    """The runs spaCy tokenizes and where they start: whitespace runs lose the one space
    that follows a word (it is that word's trailing space), and vanish if nothing is left."""
    runs: list[str] = []
    bases: list[int] = []
    for found in _RUNS.finditer(text):
        start, end = found.span()
        if text[start].isspace():
            if runs and text[start] == " ":
                start += 1
            if start == end:
                continue
        runs.append(text[start:end])
        bases.append(start)
    return runs, bases


def _special_pieces(
    tokenizer: Tokenizer,
) -> tuple[frozenset[tuple[str, str]], dict[int, frozenset[str]], dict[int, frozenset[str]]]:
    """Adjacent token pairs of the special-case patterns spaCy's last pass matches (each
    special case as tokenized without special cases), and those pieces by length: the
    pieces that may start a run (second of a pair) and end one (first of a pair)."""
    plain = Tokenizer(
        tokenizer.vocab,
        rules={},
        prefix_search=tokenizer.prefix_search,
        suffix_search=tokenizer.suffix_search,
        infix_finditer=tokenizer.infix_finditer,
        token_match=tokenizer.token_match,
        url_match=tokenizer.url_match,
    )
    pairs: set[tuple[str, str]] = set()
    for rule in tokenizer.rules:
        words = [token.text for token in plain(rule)]
        pairs.update(zip(words, words[1:], strict=False))
    heads: dict[int, set[str]] = {}
    tails: dict[int, set[str]] = {}
    for a, b in pairs:
        tails.setdefault(len(a), set()).add(a)
        heads.setdefault(len(b), set()).add(b)
    return (
        frozenset(pairs),
        {n: frozenset(s) for n, s in sorted(heads.items())},
        {n: frozenset(s) for n, s in sorted(tails.items())},
    )


@cache
def get_chunks(nlp: Language) -> Chunks:
    return Chunks(nlp)

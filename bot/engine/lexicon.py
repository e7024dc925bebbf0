"""Shared spaCy pipelines and the term matcher every lexicon rule compiles into.

Lemma matching does not lemmatize drafts. Instead each term is expanded once, when a brand's
rules are compiled, into every inflection the lookup lemmatizer knows ("guarantee" ->
guaranteed, guarantees, guaranteeing), and all rules of a brand share one PhraseMatcher over
the LOWER attribute. A check then costs one tokenizer pass and one matcher pass, whatever the
number of terms.
"""

from __future__ import annotations

import gzip
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from typing import NamedTuple

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from bot.engine.findings import new_tuple
from bot.engine.normalize import normalize, strip_accents

# Beyond this many inflected combinations, a phrase varies one word at a time instead.
_MAX_PHRASE_COMBINATIONS = 16
# Hyphenated spellings are written for short compounds ("risk-free", "state-of-the-art").
_MAX_HYPHENATED_WORDS = 4


@cache
def get_nlp(lang: str) -> Language:
    """One blank pipeline per language, shared by every brand of that language."""
    return spacy.blank(lang)


class Inflections:
    """Inflected forms of lemmas, from spacy-lookups-data's form -> lemma table."""

    def __init__(self, lang: str) -> None:
        self._table = _lemma_table(lang)

    def forms_of(self, words: set[str]) -> dict[str, set[str]]:
        """For each word: itself and every form whose lemma is the word (or the lemma of a
        regular word), in one pass over the table, so that a brand compiles in one scan.

        Two hops, because Italian participles chain ("garantiti" -> "garantito" ->
        "garantire"). An irregular lemma ("best" -> "well") is not followed: flagging "best"
        must not flag "well".
        """
        table = self._table
        roots_of: dict[str, set[str]] = defaultdict(set)
        for word in words:
            roots_of[word].add(word)
            lemma = table.get(word)
            if lemma and lemma.lower()[:3] == word[:3]:
                roots_of[lemma.lower()].add(word)
        found: dict[str, set[str]] = {word: {word} for word in words}
        for form, lemma in table.items():
            owners = roots_of.get(lemma.lower())
            if owners is None:
                parent = table.get(lemma)
                owners = roots_of.get(parent.lower()) if parent else None
            if owners:
                for word in owners:
                    found[word].add(form.lower())
        return found


def _lemma_table(lang: str) -> dict[str, str]:
    """The raw form -> lemma table. spaCy's own loader keeps only hashes of the forms, and
    inverting the table needs the forms themselves, so read the packaged JSON directly."""
    data = resources.files("spacy_lookups_data").joinpath("data", f"{lang}_lemma_lookup.json.gz")
    if not data.is_file():
        return {}
    with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as text:
        table: dict[str, str] = json.load(text)
    return table


@cache
def get_inflections(lang: str) -> Inflections:
    return Inflections(lang)


class TermMatch(NamedTuple):
    """A named tuple: checks build many, and tuples are the cheapest objects to build."""

    term: int  # index into the term list given to `TermCompiler.add`
    start: int  # token indices into the draft's doc
    end: int


class TermCompiler:
    """Collects the terms of all rules of one brand and matches them in one pass per attribute.

    `add` only records terms; `build` expands every lemma-mode word in one scan of the lemma
    table and compiles the matchers. Rules call `add` in their constructors; the checker calls
    `build` once all rules exist.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.nlp = get_nlp(lang)
        self._lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._orth = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self._keys: dict[int, tuple[str, int]] = {}
        self._pending: list[tuple[str, int, list[str], str]] = []
        self._has_lower = False
        self._has_orth = False
        self._active: list[PhraseMatcher] = []

    def add(self, key: str, terms: Sequence[str], mode: str = "lemma") -> None:
        """Register `terms` under `key`; matches come back as TermMatch(term index, ...)."""
        for index, term in enumerate(terms):
            words = [t.text for t in self.nlp.make_doc(normalize(term).text) if not t.is_space]
            if words:
                self._pending.append((key, index, words, mode))

    def build(self) -> None:
        lemma_words = {
            w.lower() for _, _, words, mode in self._pending if mode == "lemma" for w in words
        }
        forms = get_inflections(self.lang).forms_of(lemma_words) if lemma_words else {}
        string_id = self.nlp.vocab.strings.add
        for key, index, words, mode in self._pending:
            match_key = f"{key}\x1f{index}"
            self._keys[string_id(match_key)] = (key, index)
            if mode == "exact":
                # PhraseMatcher takes a pattern as its words' ids as well as a Doc (its stubs
                # only say Doc); see `_phrase_keys`.
                self._orth.add(match_key, [[string_id(word) for word in words]])  # type: ignore[list-item]
                self._has_orth = True
                continue
            lowered = [w.lower() for w in words]
            variants = [_with_unaccented(forms[w] if mode == "lemma" else {w}) for w in lowered]
            self._lower.add(match_key, list(self._phrase_keys(lowered, variants)))  # type: ignore[arg-type]
            self._has_lower = True
        self._pending.clear()
        self._active = [
            matcher
            for matcher, used in ((self._lower, self._has_lower), (self._orth, self._has_orth))
            if used
        ]

    def _phrase_keys(self, base: list[str], variants: list[list[str]]) -> Iterable[list[int]]:
        """Each phrase as the matcher stores it: the ids of its words, which are their ORTH
        and, lower-cased as they are, their LOWER. PhraseMatcher takes these in place of Docs,
        and building a Doc per phrase would double the compile time of a large lexicon."""
        string_id = self.nlp.vocab.strings.add
        hyphen = string_id("-")
        for combo in _combinations(base, variants):
            ids = [string_id(word) for word in combo]
            yield ids
            if 1 < len(ids) <= _MAX_HYPHENATED_WORDS:
                # "risk free" must also catch "risk-free", which the tokenizer splits on "-".
                yield [part for word in ids for part in (word, hyphen)][:-1]

    def match(self, doc: Doc) -> dict[str, list[TermMatch]]:
        found: dict[str, list[TermMatch]] = {}
        keys = self._keys
        make = new_tuple
        for matcher in self._active:
            for key_hash, start, end in matcher(doc):
                key, index = keys[key_hash]
                same_key = found.get(key)
                if same_key is None:
                    found[key] = [make(TermMatch, (index, start, end))]
                else:
                    same_key.append(make(TermMatch, (index, start, end)))
        return found


def _with_unaccented(words: set[str]) -> list[str]:
    return sorted(words | {strip_accents(w) for w in words})


def _combinations(base: list[str], variants: list[list[str]]) -> Iterable[tuple[str, ...]]:
    total = 1
    for options in variants:
        total *= max(len(options), 1)
    if total <= _MAX_PHRASE_COMBINATIONS:
        yield from itertools.product(*variants)
        return
    yield tuple(base)
    for position, options in enumerate(variants):
        for option in options:
            yield (*base[:position], option, *base[position + 1 :])


def longest_first(matches: Iterable[TermMatch]) -> list[TermMatch]:
    """Drop matches overlapping a longer (or earlier equally long) one, in text order."""
    if not isinstance(matches, list):
        matches = list(matches)
    if len(matches) < 2:
        return matches
    # The matcher gives one key's matches in text order; most lists hold no overlap at all.
    previous_end = -1
    for _, start, end in matches:
        if start < previous_end:
            break
        previous_end = end
    else:
        return matches
    chosen: list[TermMatch] = []
    taken: set[int] = set()
    for m in sorted(matches, key=lambda m: (-(m.end - m.start), m.start)):
        if taken.isdisjoint(range(m.start, m.end)):
            chosen.append(m)
            taken.update(range(m.start, m.end))
    return sorted(chosen, key=lambda m: m.start)

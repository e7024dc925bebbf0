"""Shared spaCy pipelines and the term matcher every lexicon rule compiles into.

Lemma matching does not lemmatize drafts. Instead each term is expanded once, when a brand's
rules are compiled, into every inflection the lookup lemmatizer knows ("guarantee" ->
guaranteed, guarantees, guaranteeing), and all rules of a brand share one PhraseMatcher over
the LOWER attribute. A check then costs one tokenizer pass and one matcher pass, whatever the
number of terms. The compiled phrases can be kept in a `CompileCache`, so that a new process
(a one-draft `brandgate check`) does not compile a large lexicon again.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import itertools
import json
import marshal
import sys
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson
import spacy
from spacy.attrs import LOWER, ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import get_string_id as hash_string
from spacy.tokens import Doc
from spacy.vocab import Vocab

from bot import __version__
from bot.engine.findings import new_tuple
from bot.engine.normalize import normalize, strip_accents

if TYPE_CHECKING:
    from bot.engine.compile_cache import CompileCache

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


_ATTRS = {"LOWER": LOWER, "ORTH": ORTH}


class _Table(NamedTuple):
    """The phrases matched on one attribute (LOWER, or ORTH for exact terms)."""

    attr: str
    phrases: dict[tuple[int, ...], list[int]]  # phrase as word ids -> match keys
    longest: dict[int, int]  # first word id -> words in its longest phrase


class _Compiled(NamedTuple):
    """A compiled lexicon, as kept in the compile cache."""

    keys: dict[int, tuple[str, int]]  # match key -> (rule key, term index)
    tables: list[_Table]


class TermCompiler:
    """Collects the terms of all rules of one brand and matches them in one pass per attribute.

    `add` only records terms; `build` tokenizes them, expands every lemma-mode word in one scan
    of the lemma table and lays out the phrases (or reads all of that from a `CompileCache`).
    Rules call `add` in their constructors; the checker calls `build` once all rules exist.

    Matching starts on plain dicts of the phrases, which cost nothing to set up, and moves to
    spaCy's PhraseMatcher (its trie cannot be stored: it is rebuilt phrase by phrase, a tenth
    of a second for a large lexicon) once enough drafts were matched to repay building it. A
    one-draft `brandgate check` then never builds it; a batch builds it after a few hundred.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.nlp = get_nlp(lang)
        self._requests: list[tuple[str, list[str], str]] = []
        self._compiled = _Compiled({}, [])
        self._matchers: list[PhraseMatcher] | None = None
        self._slow_left = 0
        self._lock = threading.Lock()
        #: whether `build` read the compiled lexicon from the cache
        self.from_cache = False

    def add(self, key: str, terms: Sequence[str], mode: str = "lemma") -> None:
        """Register `terms` under `key`; matches come back as TermMatch(term index, ...)."""
        self._requests.append((key, [str(term) for term in terms], mode))

    def build(
        self,
        cache: CompileCache | None = None,
        slot: str = "terms",
        identity: dict[str, str] | None = None,
    ) -> None:
        """Compile the terms added. With `cache`, the compiled lexicon is read from the entry
        `slot` when one was stored under the same key (these terms, `identity` such as the
        guideline file's sha256, and the versions of everything that shapes the result), and
        stored there otherwise."""
        compiled: _Compiled | None = None
        key: dict[str, Any] = {}
        if cache is not None:
            key = {
                **compile_versions(),
                **(identity or {}),
                "lang": self.lang,
                "terms": hashlib.sha256(orjson.dumps(self._requests)).hexdigest(),
            }
            compiled = _decode(cache.load(slot, key))
        self.from_cache = compiled is not None
        if compiled is None:
            compiled = self._compile()
            if cache is not None:
                cache.store(slot, key, _encode(compiled))
        self._compiled = compiled
        # Worth building the PhraseMatcher once its build time (about 8 us a phrase) is repaid
        # by its speed (about 60 us a draft faster than the dicts on a large lexicon).
        phrases = sum(len(table.phrases) for table in compiled.tables)
        self._slow_left = max(_MIN_SLOW_MATCHES, phrases // 50)
        self._matchers = None
        self._requests.clear()

    def _compile(self) -> _Compiled:
        pending: list[tuple[str, int, list[str], str]] = []
        for key, terms, mode in self._requests:
            for index, term in enumerate(terms):
                words = [t.text for t in self.nlp.make_doc(normalize(term).text) if not t.is_space]
                if words:
                    pending.append((key, index, words, mode))
        lemma_words = {w.lower() for _, _, words, mode in pending if mode == "lemma" for w in words}
        forms = get_inflections(self.lang).forms_of(lemma_words) if lemma_words else {}
        keys: dict[int, tuple[str, int]] = {}
        tables = {name: _Table(name, {}, {}) for name in _ATTRS}
        for key, index, words, mode in pending:
            match_key = hash_string(_match_key(key, index))
            keys[match_key] = (key, index)
            if mode == "exact":
                _add_phrase(tables["ORTH"], [hash_string(word) for word in words], match_key)
                continue
            lowered = [w.lower() for w in words]
            variants = [_with_unaccented(forms[w] if mode == "lemma" else {w}) for w in lowered]
            for phrase in _phrase_ids(lowered, variants):
                _add_phrase(tables["LOWER"], phrase, match_key)
        return _Compiled(keys, [table for table in tables.values() if table.phrases])

    def _phrase_matchers(self) -> list[PhraseMatcher]:
        with self._lock:
            if self._matchers is None:
                # A vocabulary of their own: the match keys are not words of the language, and
                # a lexeme of the shared one costs six times more to make. Matching reads only
                # the ids on the draft's tokens, which do not depend on the vocabulary.
                vocab = Vocab()
                keys = self._compiled.keys
                matchers = []
                for table in self._compiled.tables:
                    by_key: dict[int, list[list[int]]] = defaultdict(list)
                    for phrase, owners in table.phrases.items():
                        for owner in owners:
                            by_key[owner].append(list(phrase))
                    matcher = PhraseMatcher(vocab, attr=table.attr)
                    for owner, patterns in by_key.items():
                        # Word ids in place of Docs: PhraseMatcher takes both (its stubs only
                        # say Doc), and building a Doc per phrase would double the build time.
                        matcher.add(_match_key(*keys[owner]), patterns)  # type: ignore[arg-type]
                    matchers.append(matcher)
                self._matchers = matchers
            return self._matchers

    def _hits(self, doc: Doc) -> list[tuple[int, int, int]]:
        """(match key, start, end) of every phrase in `doc`, by attribute, start and end."""
        matchers = self._matchers
        if matchers is None:
            if self._slow_left > 0:
                self._slow_left -= 1  # a lost update between threads only shifts the switch
                return _dict_hits(self._compiled.tables, doc)
            matchers = self._phrase_matchers()
        if len(matchers) == 1:
            return matchers[0](doc)
        return [hit for matcher in matchers for hit in matcher(doc)]

    def match(self, doc: Doc) -> dict[str, list[TermMatch]]:
        found: dict[str, list[TermMatch]] = {}
        keys = self._compiled.keys
        make = new_tuple
        for key_hash, start, end in self._hits(doc):
            key, index = keys[key_hash]
            same_key = found.get(key)
            if same_key is None:
                found[key] = [make(TermMatch, (index, start, end))]
            else:
                same_key.append(make(TermMatch, (index, start, end)))
        return found


_MIN_SLOW_MATCHES = 16


def _match_key(key: str, index: int) -> str:
    return f"{key}\x1f{index}"


def _add_phrase(table: _Table, phrase: list[int], match_key: int) -> None:
    if not phrase:
        return
    owners = table.phrases.setdefault(tuple(phrase), [])
    if match_key not in owners:  # a set, as in the PhraseMatcher: one match per key and span
        owners.append(match_key)
    if table.longest.get(phrase[0], 0) < len(phrase):
        table.longest[phrase[0]] = len(phrase)


def _dict_hits(tables: list[_Table], doc: Doc) -> list[tuple[int, int, int]]:
    """What the PhraseMatcher finds, in its order, looked up in the phrase dicts."""
    hits: list[tuple[int, int, int]] = []
    for attr, phrases, longest in tables:
        ids: list[int] = doc.to_array(_ATTRS[attr]).tolist()
        if longest.keys().isdisjoint(ids):
            continue
        count = len(ids)
        for start, first in enumerate(ids):
            size = longest.get(first)
            if size:
                for end in range(start + 1, min(count, start + size) + 1):
                    owners = phrases.get(tuple(ids[start:end]))
                    if owners:
                        hits.extend((owner, start, end) for owner in owners)
    return hits


# The cache entry is marshal data: dicts of int tuples load at C speed (a few milliseconds for
# 25,000 phrases, where JSON plus rebuilding the dicts took a tenth of a second). marshal, like
# pickle, is safe only for data one wrote oneself: the compile cache uses only a folder that is
# ours alone, an entry only under the exact key it was written with (which includes the Python
# version, marshal's format being Python's) and only when its sha256 matches. Unlike pickle,
# marshal cannot call anything while loading.
def _encode(compiled: _Compiled) -> bytes:
    return marshal.dumps((compiled.keys, [(t.attr, t.phrases, t.longest) for t in compiled.tables]))


def _decode(payload: bytes | None) -> _Compiled | None:
    """The compiled lexicon of a cache entry, or None when it is not one (then compiled
    again)."""
    if payload is None:
        return None
    try:
        keys, tables = marshal.loads(payload)
        if not isinstance(keys, dict) or not isinstance(tables, list):
            return None
        loaded = [_Table(attr, phrases, longest) for attr, phrases, longest in tables]
        if any(not _table_shape(t) for t in loaded):
            return None
        return _Compiled(keys, loaded)
    except (EOFError, ValueError, TypeError):
        return None


def _table_shape(table: _Table) -> bool:
    return (
        table.attr in _ATTRS and isinstance(table.phrases, dict) and isinstance(table.longest, dict)
    )


@cache
def compile_versions() -> dict[str, str]:
    """Everything besides the terms that shapes a compiled lexicon: an entry compiled under
    other versions of any of these is never used. The code's own digest, not just brandgate's
    version number, which does not change with every edit of the compiler. The data packages
    are only located and stat-ed (importing or reading them would cost a one-draft check more
    than the cache saves)."""
    code = hashlib.sha256()
    here = Path(__file__).parent
    for name in ("lexicon.py", "normalize.py", "links.py"):
        code.update((here / name).read_bytes())
    return {
        "brandgate": __version__,
        "code": code.hexdigest(),
        "spacy": spacy.about.__version__,
        # its version (about.py) is what changes its tables
        "spacy_lookups_data": _package_files("spacy_lookups_data", "about.py"),
        "confusable_homoglyphs": _package_files("confusable_homoglyphs", "confusables.json"),
        "python": sys.version,
    }


def _package_files(package: str, *names: str) -> str:
    """Size and modification time of files of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or []) if spec else []
    if not folders:
        return "absent"
    facts = []
    for name in names:
        try:
            info = (Path(folders[0]) / name).stat()
        except OSError:
            facts.append(f"{name}:-")
            continue
        facts.append(f"{name}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(facts).encode()).hexdigest()


def _phrase_ids(base: list[str], variants: list[list[str]]) -> list[list[int]]:
    """Each phrase as the matcher stores it: the ids of its words, which are their ORTH
    and, lower-cased as they are, their LOWER."""
    hyphen = hash_string("-")
    phrases = []
    for combo in _combinations(base, variants):
        ids = [hash_string(word) for word in combo]
        phrases.append(ids)
        if 1 < len(ids) <= _MAX_HYPHENATED_WORDS:
            # "risk free" must also catch "risk-free", which the tokenizer splits on "-".
            phrases.append([part for word in ids for part in (word, hyphen)][:-1])
    return phrases


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

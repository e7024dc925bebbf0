"""Normalisation for matching only, with a map back to the original text.

A draft can hide a flagged term behind invisible characters (control characters included),
look-alike letters from other scripts, full-width or mathematical letters, separated letters,
digits in place of letters, or bidirectional overrides that display reversed text the right way
round ("\u202eeetnaraug\u202c" displays as "guarantee": it is matched as displayed).
`normalize` undoes all of that into a matching text and remembers, for every character of it,
which span of the original it came from, so that findings always index what the user wrote.

Plain ASCII text, the common case, takes a fast path that touches no per-character table.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

from bot.engine.findings import new_tuple
from bot.engine.links import URL, may_hold_link

# Invisible characters that are not Unicode category Cf but still render as nothing.
_EXTRA_INVISIBLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)
_DIGIT_SWAPS = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t"})
_SYMBOL_SWAPS = {"@": "a", "$": "s"}

# A run of word characters (and @, $), and the test for a digit (or @, $) touching a letter in
# it: "gu4r4nt33d", "fr@ud", "mir4cle". Runs first, then the test: one pattern doing both
# backtracks over every word and costs tens of microseconds a draft.
_WORD_RUN = re.compile(r"(?:[^\W_]|[@$])+")
_MIXED = re.compile(r"[^\W\d_][0134578@$]|[0134578][^\W\d_]")
# Three or more single letters separated by spaces, dots, hyphens, underscores or stars.
_SEPARATED = re.compile(
    r"(?<![^\W_])(?:[^\W\d_](?:[ .\-_*\u00b7]{1,2}))"
    r"{2,}[^\W\d_](?![^\W_])"
)
_SEPARATOR_CHARS = frozenset(" .-_*\u00b7")
# Control characters other than tab and line breaks display as nothing: "gua\x00rantee".
_LAYOUT_CONTROLS = "\t\n\r"
# Byte-level tests rule out the disguises for most drafts before any regex runs on the text:
# ASCII text is read as bytes (other characters become "?") through one table of character
# classes: letters -> "a", digits read as letters ("0134578") -> "0", other digits -> "w",
# @ and $ -> "@", the separators of spaced-out letters (" .*_-") -> "s", control characters
# (but tab and line breaks) -> "c", all else -> "x".
_CLASSES = bytes(
    ord("c")
    if (c < 32 or c == 127) and chr(c) not in _LAYOUT_CONTROLS
    else ord("a")
    if chr(c).isalpha()
    else ord("0")
    if chr(c) in "0134578"
    else ord("w")
    if chr(c).isdigit()
    else ord("@")
    if chr(c) in "@$"
    else ord("s")
    if chr(c) in " .*_-"
    else ord("x")
    for c in range(256)
)


class Normalized(NamedTuple):
    """The matching text; `starts[i]`/`ends[i]` give the original span of its character i.

    A named tuple: every check builds one, and `new_tuple` builds it without a Python call.
    """

    original: str
    text: str
    starts: tuple[int, ...] | None = None  # None: identical offsets
    ends: tuple[int, ...] | None = None

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        if self.starts is None or self.ends is None:
            return start, end
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


@lru_cache(maxsize=1)
def confusable_map() -> dict[str, str]:
    """Look-alike characters of other scripts mapped to the ASCII letter they imitate.

    Built from Unicode's confusables data as shipped by the maintained `confusable_homoglyphs`
    package. Accented Latin letters are left alone: "è" is Italian, not an evasion.
    """
    data_file = resources.files("confusable_homoglyphs").joinpath("confusables.json")
    table: dict[str, str] = {}
    for char, homoglyphs in json.loads(data_file.read_text(encoding="utf-8")).items():
        if len(char) != 1 or char.isascii() or unicodedata.decomposition(char).startswith("<"):
            # NFKC already folds compatibility forms (full-width, mathematical letters).
            continue
        if unicodedata.decomposition(char) and unicodedata.name(char, "").startswith("LATIN"):
            continue
        for glyph in homoglyphs:
            target = glyph["c"]
            if len(target) == 1 and target.isascii() and target.isalpha():
                table[char] = target
                break
    return table


def strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_invisible(char: str) -> bool:
    category = unicodedata.category(char)
    return (
        category == "Cf"
        or char in _EXTRA_INVISIBLE
        or (category == "Cc" and char not in _LAYOUT_CONTROLS)
    )


@lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """One original character as it reads for matching ("" when it is invisible)."""
    if _is_invisible(char):
        return ""
    folded = unicodedata.normalize("NFKC", char)
    confusables = confusable_map()
    return "".join(confusables.get(c, c) for c in folded if not _is_invisible(c))


# What folding may change: characters outside printable ASCII, but tab and line breaks.
_FOLDABLE = re.compile(r"[^\t\n\r\x20-\x7e]")


def _fold_unicode(text: str) -> tuple[list[str], list[int], list[int]]:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    done = 0
    for found in _FOLDABLE.finditer(text):
        i = found.start()
        if i > done:  # copy the ASCII run before it in one go: it maps to itself
            chars.extend(text[done:i])
            starts.extend(range(done, i))
            ends.extend(range(done + 1, i + 1))
        done = i + 1
        char = text[i]
        if unicodedata.combining(char):
            # A mark typed separately is decoration meant to break a word ("gua\u0301rantee"):
            # drop it. Precomposed letters ("è") are left alone; patterns carry accent-free
            # variants so that text decomposed by its source still matches.
            if ends:
                ends[-1] = i + 1
            continue
        for piece in _fold_char(char):
            chars.append(piece)
            starts.append(i)
            ends.append(i + 1)
    if done < len(text):
        chars.extend(text[done:])
        starts.extend(range(done, len(text)))
        ends.extend(range(done + 1, len(text) + 1))
    return chars, starts, ends


def _url_spans(text: str) -> list[tuple[int, int]]:
    if not may_hold_link(text):
        return []
    return [m.span() for m in URL.finditer(text)]


def _swap_digits(chars: list[str], text: str) -> bool:
    """Read digits (and @, $ inside words) as the letters they imitate, outside links."""
    changed = False
    links = _url_spans(text)
    for word in _WORD_RUN.finditer(text):
        if _MIXED.search(word.group()) is None:
            continue
        start = word.start()
        if any(lo <= start < hi for lo, hi in links):
            continue  # a shortened link is random letters and digits, not an evasion
        for offset, char in enumerate(word.group()):
            if char.isdigit():
                swapped = char.translate(_DIGIT_SWAPS)
            elif char in _SYMBOL_SWAPS and offset > 0:
                swapped = _SYMBOL_SWAPS[char]
            else:
                continue
            if swapped != char and swapped.isalpha():
                chars[start + offset] = swapped
                changed = True
    return changed


def _join_separated(
    chars: list[str], starts: list[int], ends: list[int]
) -> tuple[list[str], list[int], list[int]]:
    text = "".join(chars)
    keep = [True] * len(chars)
    for run in _SEPARATED.finditer(text):
        for pos in range(run.start(), run.end()):
            if chars[pos] in _SEPARATOR_CHARS:
                keep[pos] = False
    return (
        [c for c, k in zip(chars, keep, strict=True) if k],
        [s for s, k in zip(starts, keep, strict=True) if k],
        [e for e, k in zip(ends, keep, strict=True) if k],
    )


def _may_swap_digits(text: str) -> bool:
    """Cheap test: may `text` hold digits (or @, $) in place of letters? Links excluded.

    Read as bytes, other characters turned into "?": a disguise built from non-ASCII letters
    ("è3") is left to pass rather than slow every draft down. `text` is an ASCII draft or one
    whitespace-free chunk, so "?" never stands for a space that would end a link.
    """
    raw = text.encode("ascii", "replace")
    return _mixed_outside_links(raw, raw.translate(_CLASSES))


def _mixed_outside_links(raw: bytes, classes: bytes) -> bool:
    if not _mixed_classes(classes):
        return False
    if b"://" in raw or b"www." in raw.lower():
        # Links are rare and mostly random letters and digits: only then are they cut out.
        return _mixed_classes(_without_links(raw).translate(_CLASSES))
    return True


# For non-ASCII drafts: what each whitespace-separated chunk needs, remembered the way spaCy's
# tokenizer remembers its chunks: drafts reuse their words, so most chunks cost one set
# lookup. Plain chunks need nothing; quiet chunks (plain ones, and those holding a lone letter
# such as "a" or "I'm") need neither folding nor digit swaps. Both sets are emptied when full,
# which only costs the next drafts a rescan.
_PLAIN_CHUNKS: set[str] = set()
_QUIET_CHUNKS: set[str] = set()
_MAX_REMEMBERED_CHUNKS = 100_000
# A letter with no other word character beside it: every letter of a separated run is one.
_LONE_LETTER = re.compile(r"(?<![^\W_])[^\W\d_](?![^\W_])")
# Whitespace is not part of any chunk: NFKC folds these spaces to " ", and the control
# characters among them (\x0b, \x1c-\x1f, \x85) display as nothing.
_ODD_SPACE = re.compile(r"[^\S \t\n\r]")
# In `_CLASSES` bytes, the last two letters of a separated run read "sas" or "sass", then "a"
# and no word character: `_TWO_LONE_LETTERS` is a superset of `_SEPARATED` that a literal
# prefix makes fast.
_TWO_LONE_LETTERS = re.compile(rb"sas{1,2}a(?![aw0])")
_NON_SPACE = re.compile(rb"\S+")


def _remember(chunk: str) -> tuple[bool, bool]:
    """(needs folding, may hold digits for letters) of a chunk not yet remembered."""
    fold = not (chunk.isascii() and chunk.isprintable()) and not _folds_to_itself(chunk)
    # A link lies within one chunk, so `_may_swap_digits` sees it whole and leaves it out.
    mixed = _may_swap_digits(chunk)
    if not (fold or mixed):
        if len(_QUIET_CHUNKS) >= _MAX_REMEMBERED_CHUNKS:
            _QUIET_CHUNKS.clear()
            _PLAIN_CHUNKS.clear()
        _QUIET_CHUNKS.add(chunk)
        if _LONE_LETTER.search(chunk) is None:
            _PLAIN_CHUNKS.add(chunk)
    return fold, mixed


def _may_be_separated(text: str) -> bool:
    if text.isascii():
        return _may_be_separated_classes(text.encode("ascii").translate(_CLASSES))
    return _SEPARATED.search(text) is not None


def _needs(text: str, chunks: list[str]) -> tuple[bool, bool, bool]:
    """(needs folding, may hold digits for letters, may hold separated letters).

    Exact for the first two, since a digit-for-letter word never spans whitespace, nor does a
    link; the third is a superset, settled by `_SEPARATED` itself.
    """
    if _PLAIN_CHUNKS.issuperset(chunks):
        fold = mixed = separated = False
    else:
        fold = mixed = False
        if not _QUIET_CHUNKS.issuperset(chunks):
            for chunk in set(chunks).difference(_QUIET_CHUNKS):
                chunk_fold, chunk_mixed = _remember(chunk)
                fold = fold or chunk_fold
                mixed = mixed or chunk_mixed
        separated = _may_be_separated(text)
    if not fold and not text.isascii():
        fold = not all(_maps_to_itself(c) for c in _ODD_SPACE.findall(text))
    return fold, mixed, separated


@lru_cache(maxsize=8192)
def _maps_to_itself(char: str) -> bool:
    return not unicodedata.combining(char) and _fold_char(char) == char


def _folds_to_itself(text: str) -> bool:
    """True for the common non-ASCII draft: curly quotes, accents, plain emoji."""
    return all(_maps_to_itself(c) for c in set(_FOLDABLE.findall(text)))


def _ascii_needs(text: str) -> tuple[bool, bool, bool]:
    """(may hold digits for letters, may hold separated letters, holds control characters)
    of an ASCII text.

    Whole-text byte tests, no per-chunk work: ASCII drafts are most drafts, and their tests
    fit in two 256-byte tables, which stay in the CPU cache where a memo of chunks would not.
    """
    raw = text.encode("ascii")
    classes = raw.translate(_CLASSES)
    return (
        _mixed_outside_links(raw, classes),
        _may_be_separated_classes(classes),
        b"c" in classes,
    )


def _mixed_classes(classes: bytes) -> bool:
    """In `_CLASSES` bytes: a swappable digit touching a letter, or @/$ after one. Substring
    tests: each is one C scan, where a regex search costs a call and its set-up."""
    return b"a0" in classes or b"0a" in classes or b"a@" in classes


def _may_be_separated_classes(classes: bytes) -> bool:
    # The regex's literal prefix "sas" is searched at C speed: no substring pre-test pays.
    return _TWO_LONE_LETTERS.search(classes) is not None


def _without_links(raw: bytes) -> bytes:
    """`raw` with the links that have "://" or "www." blanked out, found by substring search.

    Bare domains are left in: the result may then still look mixed, and `_swap_digits`, which
    reads links with `URL` itself, leaves them alone.
    """
    lowered = raw.lower()
    out = bytearray(raw)
    for marker in (b"://", b"www."):
        found = lowered.find(marker)
        while found != -1:
            start = found
            if marker == b"://":
                start -= 5 if lowered[found - 5 : found] == b"https" else 4
                if lowered[start:found] not in (b"https", b"http") or start < 0:
                    found = lowered.find(marker, found + 1)
                    continue
            rest = _NON_SPACE.match(raw, found + len(marker))
            if rest is None:  # a link needs something after its marker
                found = lowered.find(marker, found + 1)
                continue
            out[start : rest.end()] = b" " * (rest.end() - start)
            found = lowered.find(marker, rest.end())
    return bytes(out)


def normalize(text: str) -> Normalized:
    """The matching form of `text`: case is kept (exact matching needs it), all else folded."""
    if text.isascii():
        # `_ascii_needs` inline, each test short-circuited by substring scans in C: the common
        # draft holds no letter beside a digit or @, no two lone letters in a row and no
        # control character, and costs one translation and six scans.
        raw = text.encode("ascii")
        classes = raw.translate(_CLASSES)
        mixed = (b"a0" in classes or b"0a" in classes or b"a@" in classes) and (
            _mixed_outside_links(raw, classes)
        )
        # The regex alone: its literal prefix "sas" is searched at C speed, faster than the
        # two substring scans that used to guard it (0.55 vs 0.97 us a draft).
        separated = _TWO_LONE_LETTERS.search(classes) is not None
        fold = b"c" in classes
    else:
        fold, mixed, separated = _needs(text, text.split())
    if not (fold or mixed or separated):
        return new_tuple(Normalized, (text, text, None, None))
    starts: list[int] | None = None
    ends: list[int] | None = None
    current = text
    if fold:
        folded, starts, ends = fold_displayed(text)
        current = "".join(folded)
        # Folding can make both disguises: "ｇ ｕ ａ ｒ", Cyrillic letters next to digits.
        if current.isascii():
            mixed, separated, _ = _ascii_needs(current)
        else:
            _, mixed, separated = _needs(current, current.split())
    if mixed or separated:
        chars = list(current)
        if mixed and _swap_digits(chars, current):
            current = "".join(chars)
        if separated and _SEPARATED.search(current):
            if starts is None or ends is None:
                starts, ends = list(range(len(text))), list(range(1, len(text) + 1))
            chars, starts, ends = _join_separated(chars, starts, ends)
            current = "".join(chars)
    if starts is None or ends is None:
        return Normalized(original=text, text=current)
    return Normalized(original=text, text=current, starts=tuple(starts), ends=tuple(ends))


def fold_displayed(text: str) -> tuple[list[str], list[int], list[int]]:
    """`_fold_unicode` of the text in the order it is displayed (see `display_order`)."""
    if _RLO not in text:
        return _fold_unicode(text)
    displayed, lows, highs = display_order(text)
    chars, starts, ends = _fold_unicode(displayed)
    return chars, [lows[s] for s in starts], [highs[e - 1] for e in ends]


_RLO = "\u202e"
_OPENERS = frozenset("\u202a\u202b\u202d\u202e")  # LRE, RLE, LRO, RLO; closed by PDF
_ISOLATES = frozenset("\u2066\u2067\u2068")  # LRI, RLI, FSI; closed by PDI
_PDF, _PDI = "\u202c", "\u2069"
_PARAGRAPH_ENDS = frozenset("\n\r\x1c\x1d\x1e\x85\u2029")


def display_order(text: str) -> tuple[str, list[int], list[int]]:
    """The characters of `text` in display order, with the original span of each.

    A right-to-left override (RLO ... PDF, or to the end of the paragraph) displays its
    characters reversed, whatever their script; what nests inside it is reversed as a block.
    Embeddings and isolates do not reorder Latin letters, so they keep their order. Every
    character of an override reports the whole override as its span: a match in reversed text
    points at what the user wrote, the override included.
    """
    lows: list[int] = []
    highs: list[int] = []
    order: list[int] = []
    start = 0
    for end in [i for i, c in enumerate(text) if c in _PARAGRAPH_ENDS] + [len(text)]:
        group, _ = _group(text, start, end, reverse=False, closer="")
        order.extend(_flatten(group))
        if end < len(text):
            order.append(end)
        start = end + 1
    spans = _override_spans(text)
    for i in order:
        low, high = spans.get(i, (i, i + 1))
        lows.append(low)
        highs.append(high)
    return "".join(text[i] for i in order), lows, highs


# A group is (reverse, members); a member is an index into the text or a nested group.
_Group = tuple[bool, list["int | _Group"]]


def _group(text: str, i: int, end: int, *, reverse: bool, closer: str) -> tuple[_Group, int]:
    """The members from `i` to the `closer` (a member too) or `end`, and where the text goes
    on. Openers and closers are invisible: where they land in the display does not matter."""
    members: list[int | _Group] = []
    while i < end:
        char = text[i]
        if char in _OPENERS or char in _ISOLATES:
            members.append(i)
            inner, i = _group(
                text,
                i + 1,
                end,
                reverse=char == _RLO,
                closer=_PDF if char in _OPENERS else _PDI,
            )
            members.append(inner)
            continue
        members.append(i)
        i += 1
        if char == closer:
            break
    return (reverse, members), i


def _flatten(group: _Group) -> list[int]:
    reverse, members = group
    parts = [[m] if isinstance(m, int) else _flatten(m) for m in members]
    if reverse:
        parts.reverse()
    return [i for part in parts for i in part]


def _override_spans(text: str) -> dict[int, tuple[int, int]]:
    """For each character inside an outermost RLO override, the override's own span."""
    spans: dict[int, tuple[int, int]] = {}
    i = text.find(_RLO)
    while i != -1:
        depth, j = 0, i
        while j < len(text) and text[j] not in _PARAGRAPH_ENDS:
            if text[j] in _OPENERS:
                depth += 1
            elif text[j] == _PDF:
                depth -= 1
                if depth == 0:
                    j += 1
                    break
            j += 1
        for k in range(i, j):
            spans[k] = (i, j)
        i = text.find(_RLO, j)
    return spans

"""Regular expressions of guideline files, run in linear time.

A pattern such as `(a+)+$` makes a backtracking engine (Python's `re`) take seconds on a short
draft, and `.*x` is quadratic on a long one: a guideline file must not be able to slow every
check down. Patterns are written in Python `re` syntax and run on RE2, whose time is linear in
the text. What RE2 cannot do in linear time (backreferences, lookaround, atomic groups,
possessive quantifiers) is refused when the file is validated, with the reason.

RE2's `\\d`, `\\w` and `\\s` are ASCII; Python's are Unicode, and Italian drafts need them to be
("perché" is one word). They are translated to the Unicode classes Python means, as are
Python's `\\uXXXX`, `\\UXXXXXXXX` and `\\N{...}` escapes, which RE2 spells `\\x{...}`. One
difference remains, documented in the format reference: `\\b` and `\\B` treat only ASCII
letters, digits and `_` as word characters (RE2 has no Unicode word boundary).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern on stderr

# Python's classes, outside and inside a character class.
_WORD = r"\p{L}\p{N}_"
_SPACE = r"\t\n\x{0b}\f\r \p{Z}\x{1c}-\x{1f}\x{85}"
_OUTSIDE = {
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
}
_INSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": _WORD, "s": _SPACE}
_HEX_ESCAPES = {"u": 4, "U": 8}

# What RE2 refuses because it needs backtracking, as written in a pattern.
_BACKTRACKING = (
    (re.compile(r"\(\?<[=!]"), "lookbehind"),
    (re.compile(r"\(\?[=!]"), "lookahead"),
    (re.compile(r"\(\?>"), "an atomic group"),
    (re.compile(r"\(\?\("), "a conditional group"),
    (re.compile(r"\\[1-9]|\(\?P="), "a backreference"),
    (re.compile(r"(?:[*+?}])\+"), "a possessive quantifier"),
)
# Python's idioms for "word characters but ..." inside a class, which RE2 cannot subtract.
_NEGATED_CLASSES = {
    "[^\\W\\d_]": r"[\p{L}\p{Nl}\p{No}]",  # letters
    "[^\\W_]": r"[\p{L}\p{N}]",  # letters and digits
    "[^\\W]": f"[{_WORD}]",
    "[^\\S]": f"[{_SPACE}]",
    "[^\\D]": r"\p{Nd}",
}


class PatternError(ValueError):
    """The pattern is invalid, or cannot run in linear time; the message says why."""


@lru_cache(maxsize=1024)
def compile_pattern(pattern: str) -> re2._Regexp:
    """The RE2 form of a Python-syntax pattern; PatternError if it is invalid or refused."""
    try:
        re.compile(pattern)
    except re.error as exc:
        at = f" at position {exc.pos}" if exc.pos is not None else ""
        raise PatternError(f"invalid regular expression {pattern!r}: {exc.msg}{at}") from None
    try:
        return re2.compile(_to_re2(pattern), options=_OPTIONS)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        construct = next((why for found, why in _BACKTRACKING if found.search(pattern)), None)
        if construct:
            raise PatternError(
                f"regular expression {pattern!r} cannot run in linear time: it uses "
                f"{construct}; patterns run on RE2, which has no backreferences or lookaround"
            ) from None
        raise PatternError(
            f"regular expression {pattern!r} is not supported by RE2, the linear-time engine "
            f"patterns run on: {detail}"
        ) from None
    except _Unsupported as exc:
        raise PatternError(
            f"regular expression {pattern!r}: {exc}; write the class with \\w, \\d, \\s "
            "or Unicode properties such as \\p{L} (RE2 cannot subtract classes)"
        ) from None


class _Unsupported(ValueError):
    """A construct the translation to RE2 cannot keep the meaning of."""


def _to_re2(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    while i < n:
        char = pattern[i]
        if char == "\\" and i + 1 < n:
            piece, i = _escape(pattern, i + 1, in_class)
            out.append(piece)
            continue
        if char == "[" and not in_class:
            idiom = next((k for k in _NEGATED_CLASSES if pattern.startswith(k, i)), None)
            if idiom is not None:
                out.append(_NEGATED_CLASSES[idiom])
                i += len(idiom)
                continue
            in_class = True
            out.append(char)
            i += 1
            # `[]...]` and `[^]...]`: a first `]` is a literal
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":
                out.append(r"\]")
                i += 1
            continue
        if char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """RE2 text for the escape whose letter is at `i`, and where the pattern continues."""
    letter = pattern[i]
    if letter in _HEX_ESCAPES:
        digits = pattern[i + 1 : i + 1 + _HEX_ESCAPES[letter]]
        return f"\\x{{{digits}}}", i + 1 + len(digits)
    if letter == "N" and pattern.startswith("{", i + 1):
        end = pattern.index("}", i)
        char = unicodedata.lookup(pattern[i + 2 : end])
        return f"\\x{{{ord(char):x}}}", end + 1
    if letter == "0":  # \0, \01, \012: octal, up to three digits
        j = i + 1
        while j < i + 3 and j < len(pattern) and pattern[j] in "01234567":
            j += 1
        return f"\\x{{{int(pattern[i:j], 8):x}}}", j
    if letter == "Z":
        return r"\z", i + 1
    if in_class and letter in _INSIDE:
        return _INSIDE[letter], i + 1
    if in_class and letter in "WS":
        # RE2's own \W and \S are ASCII: "è" would count as a non-word character
        raise _Unsupported(f"\\{letter} inside [...] cannot keep its Unicode meaning on RE2")
    if not in_class and letter in _OUTSIDE:
        return _OUTSIDE[letter], i + 1
    return "\\" + letter, i + 1

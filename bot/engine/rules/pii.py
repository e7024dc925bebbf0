"""`pii`: e-mail addresses, phone numbers and payment card numbers in a public post."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import ClassVar

from bot.engine.document import DraftDoc
from bot.engine.finding_messages import message
from bot.engine.findings import Finding
from bot.engine.lexicon import TermCompiler
from bot.engine.rules.base import OptionSpec, Rule
from bot.guidelines.model import RuleSpec

PII_KINDS = ("email", "phone", "card")

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
# A run of digits with the separators people write phone and card numbers with.
_NUMBERISH = re.compile(r"(?<![\w#/.,])(?:\+|00)?\d(?:[\d \u00a0().\-/]*\d)?(?![\w/])")
# Cheap tests that rule most drafts out: phone and card numbers have at least 8 digits,
# and an address has a character, "@", a domain and a dot (handles like "@brand" do not).
_DIGIT = re.compile(r"\d")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_EMAIL_HINT = re.compile(r"[\w.+-]@[\w-]+\.")
# Digits -> "0", anything else -> "x", and the separators numbers are written with deleted: a
# phone or card number then leaves a run of at least 8 zeros, a substring test.
_NUMBER_CLASSES = bytes(ord("0") if chr(c).isdigit() else ord("x") for c in range(256))
_NUMBER_SEPARATORS = b" ().-/+"
_EIGHT_DIGITS = b"0" * 8


def _enough_digits(text: str) -> bool:
    if text.isascii():
        raw = text.encode("ascii")
    else:
        unusual = set(_NON_ASCII.findall(text))
        if "\u00a0" in unusual or any(c.isdigit() for c in unusual):
            return len(_DIGIT.findall(text)) >= 8  # digits or separators the bytes test lacks
        raw = text.encode("ascii", "replace")  # any other character ends a number anyway
    return _EIGHT_DIGITS in raw.translate(_NUMBER_CLASSES, _NUMBER_SEPARATORS)


def _may_hold_email(text: str) -> bool:
    at = text.find("@", 1)
    while at != -1:  # a handle ("@brand") starts a word; an address has text before its "@"
        if text[at - 1].isalnum() or text[at - 1] in "._+-":
            return _EMAIL_HINT.search(text) is not None
        at = text.find("@", at + 1)
    return False


_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_SEPARATORS = re.compile(r"[^\d+]")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char)
        if i % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _classify_number(written: str) -> str | None:
    digits = _SEPARATORS.sub("", written).lstrip("+")
    if _DATE.match(written.strip()):
        return None
    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
        return "card"
    # Prices and quantities ("1,299.00", "10.000") have few digits; phones have 8 to 15.
    if 8 <= len(digits) <= 15 and (written.startswith(("+", "00")) or _looks_grouped(written)):
        return "phone"
    return None


def _looks_grouped(written: str) -> bool:
    """Phone numbers are written in groups ("555-123-4567", "02 1234 5678") or as one run."""
    groups = [g for g in re.split(r"[ \u00a0().\-/]+", written) if g]
    return len(groups) == 1 or all(len(g) >= 2 for g in groups)


class PiiRule(Rule):
    TYPE = "pii"
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        "detect": OptionSpec(
            "choice_list", choices=PII_KINDS, default=PII_KINDS, help="what to look for"
        ),
        "allow": OptionSpec(
            "str_list", default=(), help="addresses or numbers that may appear (e.g. support)"
        ),
    }

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        super().__init__(spec, terms)
        self.kinds = frozenset(self.option("detect"))
        self.numbers = bool(self.kinds & {"phone", "card"})
        self.emails = "email" in self.kinds
        self.allowed = {_canonical(a) for a in self.option("allow")}

    def _candidates(
        self, text: str, emails_possible: bool, numbers_possible: bool
    ) -> Iterator[tuple[str, int, int]]:
        emails = []
        if emails_possible:
            for m in _EMAIL.finditer(text):
                emails.append((m.start(), m.end()))
                yield "email", m.start(), m.end()
        if numbers_possible:
            for m in _NUMBERISH.finditer(text):
                if any(s <= m.start() < e for s, e in emails):
                    continue
                kind = _classify_number(m.group())
                if kind is not None and kind in self.kinds:
                    yield kind, m.start(), m.end()

    def find(self, doc: DraftDoc) -> list[Finding]:
        text = doc.text
        if self.numbers and text.isascii():  # the common case, inline
            numbers_possible = _EIGHT_DIGITS in text.encode("ascii").translate(
                _NUMBER_CLASSES, _NUMBER_SEPARATORS
            )
        else:
            numbers_possible = self.numbers and _enough_digits(text)
        # A handle opening a reply ("@anna ...") is no address: look past the first character.
        emails_possible = self.emails and text.find("@", 1) != -1 and _may_hold_email(text)
        if not (numbers_possible or emails_possible):
            return []
        return [
            self.finding(doc, start, end, message(self.terms.lang, f"pii.{kind}"), text[start:end])
            for kind, start, end in self._candidates(text, emails_possible, numbers_possible)
            if _canonical(text[start:end]) not in self.allowed
        ]


def _canonical(value: str) -> str:
    value = value.strip().lower()
    return value if "@" in value else re.sub(r"[^\d+]", "", value)

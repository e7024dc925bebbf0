"""Checks every brand gets from its file's sections rather than from `rules:` entries:
platform limits, sponsored-content disclosure and the brand's values."""

from __future__ import annotations

import re
from typing import ClassVar

from bot.engine.document import DraftDoc
from bot.engine.finding_messages import message
from bot.engine.findings import Finding, ValueCount
from bot.engine.lexicon import TermCompiler, longest_first
from bot.engine.platforms import DEFAULT_MAX_CHARS, cut_position, weighted_length
from bot.engine.rules.base import Rule
from bot.guidelines.model import Guidelines, RuleSpec

_NO_COUNT = ValueCount()
_HASHTAG = re.compile(r"(?<![\w&#])#[^\W_][\w]*")


def _link_count(text: str) -> int:
    """At least the number of links X weighs as 23: X only weighs links when the text has a
    dot, and each link (`links.URL`) has "://" or a dot with a non-space character after it
    ("www.x", ".com") of its own. Dots that end a sentence (". ", ".\n", a final ".") are
    most dots of a reply and belong to no link: not counting them lets the length bound
    settle most drafts without measuring them (other whitespace after a dot only over-counts,
    which keeps the bound safe)."""
    dots = text.count(".")
    if not dots:
        return 0
    dots -= text.count(". ") + text.count(".\n") + text.endswith(".")
    return text.count("://") + dots


class PlatformLengthRule(Rule):
    TYPE = "platform-length"

    def __init__(self, guidelines: Guidelines, terms: TermCompiler) -> None:
        spec = RuleSpec(id="platform-length", type=self.TYPE, level="error", category="platform")
        super().__init__(spec, terms)
        # The brand's limit, never above the platform's own: a longer post cannot be published.
        self.limits = {
            **DEFAULT_MAX_CHARS,
            **{
                platform: min(limits.max_chars, DEFAULT_MAX_CHARS.get(platform, limits.max_chars))
                for platform, limits in guidelines.platforms.items()
                if limits.max_chars
            },
        }

    def find(self, doc: DraftDoc) -> list[Finding]:
        platform = doc.draft.platform
        limit = self.limits.get(platform)
        if limit is None:
            return []
        text = doc.text
        # A character weighs 2 at most and a link 23, so these bounds settle most drafts
        # without measuring them. Without "://", every link has a dot of its own: counting
        # the dots alone (two scans) settles most drafts before `_link_count` (five) runs.
        size = len(text) if text.isascii() else 2 * len(text)
        if size + 23 * text.count(".") <= limit and "://" not in text:
            return []
        if size + 23 * _link_count(text) <= limit:
            return []
        length = weighted_length(text, platform)
        if length <= limit:
            return []
        start = cut_position(text, platform, limit)
        lang = self.terms.lang
        explanation = message(
            lang,
            "platform-length",
            platform=platform,
            limit=limit,
            length=length,
            over=length - limit,
        )
        # Over the brand's own limit, a submitter may argue; over the platform's, nobody may:
        # the platform itself refuses the post.
        hard_limit = DEFAULT_MAX_CHARS.get(platform)
        over_hard_limit = hard_limit is not None and length > hard_limit
        if over_hard_limit:
            explanation += " " + message(lang, "platform-length.hard", platform=platform)
        return [
            Finding(
                rule=self.spec.id,
                level="error",
                category=self.spec.category,
                start=start,
                end=len(text),
                text=text[start:],
                message=explanation,
                overridable=not over_hard_limit,
            )
        ]


class PlatformHashtagsRule(Rule):
    TYPE = "platform-hashtags"

    def __init__(self, guidelines: Guidelines, terms: TermCompiler) -> None:
        spec = RuleSpec(
            id="platform-hashtags", type=self.TYPE, level="warning", category="platform"
        )
        super().__init__(spec, terms)
        self.limits = {
            platform: limits.max_hashtags
            for platform, limits in guidelines.platforms.items()
            if limits.max_hashtags is not None
        }

    def find(self, doc: DraftDoc) -> list[Finding]:
        limit = self.limits.get(doc.draft.platform)
        if limit is None or "#" not in doc.match_text:
            return []
        tags = list(_HASHTAG.finditer(doc.match_text))
        if len(tags) <= limit:
            return []
        first_extra = tags[limit]
        start, end = doc.char_span(first_extra.start(), tags[-1].end())
        text = message(
            self.terms.lang,
            "platform-hashtags",
            limit=limit,
            platform=doc.draft.platform,
            count=len(tags),
        )
        return [
            Finding(
                rule=self.spec.id,
                level="warning",
                category=self.spec.category,
                start=start,
                end=end,
                text=doc.text[start:end],
                message=text,
            )
        ]


class DisclosureRule(Rule):
    TYPE = "disclosure"

    def __init__(self, guidelines: Guidelines, terms: TermCompiler) -> None:
        spec = RuleSpec(id="disclosure", type=self.TYPE, level="error", category="legal")
        super().__init__(spec, terms)
        disclosure = guidelines.disclosure
        self.tags: tuple[str, ...] = disclosure.tags if disclosure else ()
        self.within = disclosure.within_chars if disclosure else None
        self.pattern = (
            re.compile(
                "|".join(rf"(?<!\w){re.escape(tag)}(?!\w)" for tag in self.tags), re.IGNORECASE
            )
            if self.tags
            else None
        )

    def find(self, doc: DraftDoc) -> list[Finding]:
        if not doc.draft.sponsored or self.pattern is None:
            return []
        found = self.pattern.search(doc.match_text)
        lang = self.terms.lang
        if found is None:
            where = message(lang, "disclosure.where", within=self.within) if self.within else ""
            tags = ", ".join(self.tags)
            text = message(lang, "disclosure.missing", tags=tags, where=where)
            return [self._finding(doc, 0, 0, text)]
        start, end = doc.char_span(found.start(), found.end())
        if self.within is not None and end > self.within:
            tag = doc.text[start:end]
            text = message(lang, "disclosure.late", tag=tag, within=self.within, end=end)
            return [self._finding(doc, start, end, text)]
        return []

    def _finding(self, doc: DraftDoc, start: int, end: int, message: str) -> Finding:
        return Finding(
            rule=self.spec.id,
            level="error",
            category=self.spec.category,
            start=start,
            end=end,
            text=doc.text[start:end],
            message=message,
            suggestion=self.tags[0] if self.tags else None,
        )


class ValuesRule(Rule):
    """Counts each value's signals and contradictions; contradictions are warnings."""

    TYPE = "values"
    PREFIX: ClassVar[str] = "value:"

    def __init__(self, guidelines: Guidelines, terms: TermCompiler) -> None:
        spec = RuleSpec(id="values", type=self.TYPE, level="warning", category="values")
        super().__init__(spec, terms)
        self.values = guidelines.values
        self.keys: frozenset[str] = frozenset(
            f"{self.PREFIX}{value.id}:{part}"
            for value in self.values
            for part in ("signals", "contradictions")
        )
        for value in self.values:
            if value.signals:
                terms.add(f"{self.PREFIX}{value.id}:signals", value.signals, "lemma")
            if value.contradictions:
                terms.add(f"{self.PREFIX}{value.id}:contradictions", value.contradictions, "lemma")

    def counts_of_nothing(self) -> dict[str, ValueCount]:
        return dict.fromkeys((value.id for value in self.values), _NO_COUNT)

    def counts(self, doc: DraftDoc) -> dict[str, ValueCount]:
        return {
            value.id: ValueCount(
                signals=len(longest_first(doc.matches_for(f"{self.PREFIX}{value.id}:signals"))),
                contradictions=len(
                    longest_first(doc.matches_for(f"{self.PREFIX}{value.id}:contradictions"))
                ),
            )
            for value in self.values
        }

    def find(self, doc: DraftDoc) -> list[Finding]:
        findings: list[Finding] = []
        if not doc.matches:
            return findings
        for value in self.values:
            key = f"{self.PREFIX}{value.id}:contradictions"
            for m in longest_first(doc.matches_for(key)):
                start, end = doc.token_span(m.start, m.end)
                written = doc.text[start:end]
                findings.append(
                    Finding(
                        rule=f"{self.PREFIX}{value.id}",
                        level="warning",
                        category="values",
                        start=start,
                        end=end,
                        text=written,
                        message=message(
                            self.terms.lang,
                            "value",
                            text=written,
                            value=value.id,
                            description=value.description,
                        ),
                    )
                )
        return findings


BUILTIN_RULES: tuple[type[Rule], ...] = (
    PlatformLengthRule,
    PlatformHashtagsRule,
    DisclosureRule,
)

"""Compile a brand's guidelines once; check drafts against them many times."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Iterator

from spacy.tokens import Doc

from bot.engine.builtins import BUILTIN_RULES, ValuesRule
from bot.engine.document import DraftDoc
from bot.engine.findings import CheckResult, Draft, Finding
from bot.engine.history import HistoryIndex
from bot.engine.lexicon import TermCompiler, get_nlp
from bot.engine.normalize import Normalized, normalize
from bot.engine.rules.base import Rule, rule_type
from bot.guidelines.model import Guidelines

MAX_DRAFT_CHARS = 100_000


class DraftError(ValueError):
    """A draft that cannot be checked at all (empty, too long); the message says why."""


def validate_text(text: str) -> None:
    if not text or not text.strip():
        raise DraftError("the draft is empty")
    if len(text) > MAX_DRAFT_CHARS:
        raise DraftError(
            f"the draft has {len(text)} characters; brandgate checks at most {MAX_DRAFT_CHARS}"
        )


class Checker:
    """All compiled rules of one brand. Thread-safe: checking mutates nothing shared."""

    def __init__(self, guidelines: Guidelines) -> None:
        self.guidelines = guidelines
        self.nlp = get_nlp(guidelines.language)
        self.terms = TermCompiler(guidelines.language)
        self.rules: list[Rule] = []
        for spec in guidelines.rules:
            cls = rule_type(spec.type)
            if cls is None:  # the loader rejects unknown types; this guards hand-built objects
                raise ValueError(f"unknown rule type {spec.type!r} in rule {spec.id!r}")
            self.rules.append(cls(spec, self.terms))
        self.rules.extend(cls(guidelines, self.terms) for cls in BUILTIN_RULES)  # type: ignore[arg-type]
        self.values = ValuesRule(guidelines, self.terms)
        self._value_keys = self.values.keys
        self._no_values = self.values.counts_of_nothing()
        self._applicable: dict[tuple[str, str], tuple[list[Rule], dict[str, Rule]]] = {}
        self.terms.build()

    def check(self, draft: Draft, history: HistoryIndex | None = None) -> CheckResult:
        """`history`: the brand's earlier drafts, for the `duplicate` rule (none: no duplicates)."""
        validate_text(draft.text)
        norm = normalize(draft.text)
        return self._check_doc(draft, norm, self.nlp.make_doc(norm.text), history)

    def check_many(
        self, drafts: Iterable[Draft], history: HistoryIndex | None = None
    ) -> Iterator[CheckResult]:
        """Like `check` over many drafts, streamed: nothing is held beyond the draft at hand,
        so a batch of any size runs in flat memory (and the garbage collector stays idle)."""
        waiting: deque[tuple[Draft, Normalized]] = deque()

        def matching_texts() -> Iterator[str]:
            for draft in drafts:
                validate_text(draft.text)
                norm = normalize(draft.text)
                waiting.append((draft, norm))
                yield norm.text

        for doc in self.nlp.tokenizer.pipe(matching_texts()):
            draft, norm = waiting.popleft()
            yield self._check_doc(draft, norm, doc, history)

    def _rules_for(self, platform: str, kind: str) -> tuple[list[Rule], dict[str, Rule]]:
        """The rules that apply to a platform and kind: those that always run, and those that
        run only when their own terms matched (most drafts match none of them)."""
        key = (platform, kind)
        found = self._applicable.get(key)
        if found is None:
            always: list[Rule] = []
            by_terms: dict[str, Rule] = {}
            for rule in self.rules:
                spec = rule.spec
                if (spec.platforms and platform not in spec.platforms) or (
                    spec.kinds and kind not in spec.kinds
                ):
                    continue
                if rule.TERMS_ONLY:
                    by_terms[spec.id] = rule
                else:
                    always.append(rule)
            found = self._applicable[key] = (always, by_terms)
        return found

    def _check_doc(
        self, draft: Draft, norm: Normalized, doc: Doc, history: HistoryIndex | None = None
    ) -> CheckResult:
        matches = self.terms.match(doc)
        draft_doc = DraftDoc(draft, norm, doc, matches, history, self.guidelines.brand_id)
        always, by_terms = self._rules_for(draft.platform, draft.kind)
        findings: list[Finding] = []
        for rule in always:
            found = rule.find(draft_doc)
            if found:
                findings += found
        for key in matches:
            term_rule = by_terms.get(key)
            if term_rule is not None:
                findings += term_rule.find(draft_doc)
        if matches and not self._value_keys.isdisjoint(matches):
            findings.extend(self.values.find(draft_doc))
            values = self.values.counts(draft_doc)
        else:
            values = self._no_values
        if len(findings) > 1:
            findings.sort(key=_position)
        return CheckResult(
            findings=tuple(findings), guidelines_sha256=self.guidelines.sha256, values=values
        )


def _position(finding: Finding) -> tuple[int, int, str]:
    return (finding.start, finding.end, finding.rule)


_cache: dict[tuple[str, str], Checker] = {}
_cache_lock = threading.Lock()


def get_checker(guidelines: Guidelines) -> Checker:
    """The compiled checker for this exact version of a brand's guidelines (cached)."""
    key = (guidelines.brand_id, guidelines.sha256)
    checker = _cache.get(key)
    if checker is None:
        with _cache_lock:
            checker = _cache.get(key)
            if checker is None:
                checker = Checker(guidelines)
                # A brand keeps one compiled version: drop the ones its file replaced.
                for old in [k for k in _cache if k[0] == guidelines.brand_id]:
                    del _cache[old]
                _cache[key] = checker
    return checker

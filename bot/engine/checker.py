"""Compile a brand's guidelines once; check drafts against them many times."""

from __future__ import annotations

import gc
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from operator import attrgetter
from typing import TYPE_CHECKING, NamedTuple

from bot.engine.builtins import BUILTIN_RULES, ValuesRule
from bot.engine.compile_cache import CompileCache
from bot.engine.document import DraftDoc
from bot.engine.findings import CheckResult, Draft, Finding, new_tuple
from bot.engine.lexicon import TermCompiler, get_nlp
from bot.engine.normalize import normalize
from bot.engine.rules import rule_type
from bot.engine.rules.base import Rule
from bot.guidelines.model import Guidelines

if TYPE_CHECKING:  # the index itself is needed only by a batch that keeps a history
    from bot.engine.near_duplicates import HistoryIndex

MAX_DRAFT_CHARS = 100_000
# Drafts checked together by `check_many`: measured fastest between 32 and 64 on a 2-core
# machine; larger batches spill out of the CPU cache again.
BATCH_SIZE = 48


class DraftError(ValueError):
    """A draft that cannot be checked at all (empty, too long); the message says why."""


def validate_text(text: str) -> None:
    if not text or text.isspace():
        raise DraftError("the draft is empty")
    if len(text) > MAX_DRAFT_CHARS:
        raise DraftError(
            f"the draft has {len(text)} characters; brandgate checks at most {MAX_DRAFT_CHARS}"
        )


class Checker:
    """All compiled rules of one brand. Thread-safe: checking mutates nothing shared."""

    def __init__(self, guidelines: Guidelines, cache: CompileCache | None = None) -> None:
        """`cache`: where the compiled lexicon is kept between processes (none: compiled)."""
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
        self._applicable: dict[tuple[str, str], _ApplicableRules] = {}
        self.terms.build(
            cache, slot=guidelines.brand_id, identity={"guidelines_sha256": guidelines.sha256}
        )
        #: whether any rule reads the history: a batch without such a rule keeps none
        self.reads_history = any(rule.READS_HISTORY for rule in self.rules)

    def check(self, draft: Draft, history: HistoryIndex | None = None) -> CheckResult:
        """`history`: the brand's earlier drafts, for the `duplicate` rule (none: no duplicates)."""
        validate_text(draft.text)
        return self._check_batch([draft], history, None)[0]

    def check_many(
        self,
        drafts: Iterable[Draft],
        history: HistoryIndex | None = None,
        record: Callable[[Draft], None] | None = None,
    ) -> Iterator[CheckResult]:
        """Like `check` over many drafts, in order, streamed in batches of `BATCH_SIZE`.

        `record(draft)` is called for each draft once the rules that read `history` have seen
        it, so that a draft is compared with the drafts before it (a CLI batch is its own
        history). A draft that cannot be checked raises `DraftError` after the results of the
        drafts before it.
        """
        batch: list[Draft] = []
        for draft in drafts:
            try:
                validate_text(draft.text)
            except DraftError:
                yield from self._check_batch(batch, history, record)
                raise
            batch.append(draft)
            if len(batch) == BATCH_SIZE:
                yield from self._check_batch(batch, history, record)
                batch = []
        if batch:
            yield from self._check_batch(batch, history, record)

    def _rules_for(self, platform: str, kind: str) -> _ApplicableRules:
        """The rules that apply to a platform and kind: those that always run, those that run
        only where their own terms matched (most drafts match none of them), and those that
        read the history."""
        key = (platform, kind)
        found = self._applicable.get(key)
        if found is None:
            always: list[Rule] = []
            by_terms: dict[str, Rule] = {}
            reading_history: list[Rule] = []
            for rule in self.rules:
                spec = rule.spec
                if (spec.platforms and platform not in spec.platforms) or (
                    spec.kinds and kind not in spec.kinds
                ):
                    continue
                if rule.READS_HISTORY:
                    reading_history.append(rule)
                elif rule.TERMS_ONLY:
                    by_terms[spec.id] = rule
                else:
                    always.append(rule)
            found = self._applicable[key] = _ApplicableRules(always, by_terms, reading_history)
        return found

    def _check_batch(
        self,
        drafts: list[Draft],
        history: HistoryIndex | None,
        record: Callable[[Draft], None] | None,
    ) -> list[CheckResult]:
        """`_check_phases`, with Python's cyclic garbage collector held off for the batch
        when this is the process's only thread (a CLI batch).

        Why: a batch keeps its drafts' objects (Docs, matches, findings) alive until its
        results are built, so every collection that falls inside a batch finds them alive and
        promotes them to older generations; they die there and make the full collections come
        often, each walking every object of the process (the compiled lexicon included).
        Measured on the 20,000-draft benchmark: 62.2 -> 53.8 us a draft. The trade: cyclic
        garbage made during one batch (at most BATCH_SIZE drafts) is collected after it rather
        than during it; reference counting still frees everything else at once. With other
        threads running nothing is changed: disabling the collector is process-wide, and
        overlapping batches of several threads could keep it off indefinitely.
        """
        if len(drafts) > 1 and gc.isenabled() and threading.active_count() == 1:
            gc.disable()
            try:
                return self._check_phases(drafts, history, record)
            finally:
                gc.enable()
        return self._check_phases(drafts, history, record)

    def _check_phases(
        self,
        drafts: list[Draft],
        history: HistoryIndex | None,
        record: Callable[[Draft], None] | None,
    ) -> list[CheckResult]:
        """Check validated drafts phase by phase: normalise all, tokenize all, match all, then
        each rule over all. A phase's code and tables then stay in the CPU cache for the whole
        batch instead of being evicted by the next phase at every draft."""
        if not drafts:
            return []
        norms = [normalize(draft.text) for draft in drafts]
        tokenizer = self.nlp.tokenizer
        match = self.terms.match
        brand_id = self.guidelines.brand_id
        new_doc = new_tuple
        docs = [
            new_doc(
                DraftDoc,
                (draft, norm, doc, match(doc), history, brand_id, norm.original, norm.text),
            )
            for draft, norm, doc in zip(
                drafts, norms, [tokenizer(norm.text) for norm in norms], strict=True
            )
        ]
        found: list[list[Finding]] = [[] for _ in drafts]
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, draft in enumerate(drafts):
            groups[draft.platform, draft.kind].append(i)
        for key, members in groups.items():
            rules = self._rules_for(*key)
            for rule in rules.always:
                find = rule.find
                for i in members:
                    hits = find(docs[i])
                    if hits:
                        found[i] += hits
            for rule_id, rule in rules.by_terms.items():
                find = rule.find
                for i in members:
                    doc = docs[i]
                    if rule_id in doc.matches:
                        found[i] += find(doc)
        if history is not None or record is not None:
            # In input order, recording each draft after its own look-up.
            for i, doc in enumerate(docs):
                if history is not None:
                    for rule in self._rules_for(doc.draft.platform, doc.draft.kind).history:
                        found[i] += rule.find(doc)
                if record is not None:
                    record(doc.draft)
        return [self._result(doc, findings) for doc, findings in zip(docs, found, strict=True)]

    def _result(self, doc: DraftDoc, findings: list[Finding]) -> CheckResult:
        matches = doc.matches
        if matches and not self._value_keys.isdisjoint(matches):
            findings.extend(self.values.find(doc))
            values = self.values.counts(doc)
        else:
            values = self._no_values
        if len(findings) > 1:
            findings.sort(key=_position)
        return CheckResult(tuple(findings), self.guidelines.sha256, values)


class _ApplicableRules(NamedTuple):
    always: list[Rule]
    by_terms: dict[str, Rule]
    history: list[Rule]


_position = attrgetter("start", "end", "rule")


_cache: dict[tuple[str, str], Checker] = {}
_cache_lock = threading.Lock()
_compile_cache: CompileCache | None = None


def use_compile_cache(cache: CompileCache | None) -> None:
    """Keep the checkers' compiled lexicons in `cache` from now on (None: compile each time).
    Set by an adapter (the CLI); the engine itself never decides where files go."""
    global _compile_cache
    _compile_cache = cache


def get_checker(guidelines: Guidelines) -> Checker:
    """The compiled checker for this exact version of a brand's guidelines (cached)."""
    key = (guidelines.brand_id, guidelines.sha256)
    checker = _cache.get(key)
    if checker is None:
        with _cache_lock:
            checker = _cache.get(key)
            if checker is None:
                checker = Checker(guidelines, _compile_cache)
                # A brand keeps one compiled version: drop the ones its file replaced.
                for old in [k for k in _cache if k[0] == guidelines.brand_id]:
                    del _cache[old]
                _cache[key] = checker
    return checker

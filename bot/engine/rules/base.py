"""The one interface every rule type implements.

Like Vale's `extends:` and spaCy's component registry, a guideline file names a rule type and the
engine looks the class up in `bot.engine.rules.RULE_TYPES`. Each class declares the type-specific
fields it accepts (`OPTIONS`, `bot.guidelines.options.OptionSpec`), so the loader, given the
registry, validates a file without knowing any rule type by heart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from bot.engine.finding_messages import rule_message
from bot.engine.findings import Finding, new_tuple
from bot.guidelines.options import MATCH_OPTION, OptionSpec

if TYPE_CHECKING:
    from bot.engine.document import DraftDoc
    from bot.engine.lexicon import TermCompiler
    from bot.guidelines.model import RuleSpec


class Rule:
    """Base class: a compiled rule. Subclasses set TYPE and OPTIONS and implement `find`."""

    TYPE: ClassVar[str]
    OPTIONS: ClassVar[Mapping[str, OptionSpec]] = {}
    #: used only when bot/engine/finding_messages.py has no message for the type
    DEFAULT_MESSAGE: ClassVar[str] = "%s"
    #: True when the rule can only find something where its own terms matched; the checker
    #: then skips it for drafts without such a match (most drafts), saving a call per rule.
    TERMS_ONLY: ClassVar[bool] = False
    #: True when the rule reads the draft's history: the checker then runs it draft by draft,
    #: in input order, so that a batch can record each draft before the next one is looked up
    READS_HISTORY: ClassVar[bool] = False
    #: each group names options of which at least one must be present
    #: (e.g. occurrence needs `max` or `min`, and `pattern` or `tokens`)
    REQUIRE_ONE_OF: ClassVar[tuple[tuple[str, ...], ...]] = ()

    def __init__(self, spec: RuleSpec, terms: TermCompiler) -> None:
        self.spec = spec
        self.terms = terms
        default = rule_message(terms.lang, self.TYPE, self.DEFAULT_MESSAGE)
        self._template = (spec.message or default).split("%s")
        self._messages: dict[tuple[str, ...], str] = {}

    def find(self, doc: DraftDoc) -> list[Finding]:
        raise NotImplementedError

    def option(self, name: str) -> Any:
        value = self.spec.options.get(name)
        return self.OPTIONS[name].default if value is None else value

    def finding(
        self,
        doc: DraftDoc,
        start: int,
        end: int,
        *args: str,
        suggestion: str | None = None,
    ) -> Finding:
        """A finding over original-text offsets, its message filled Vale-style from `args`."""
        return self.finding_of(start, end, doc.text[start:end], self.message(args), suggestion)

    def finding_of(
        self, start: int, end: int, written: str, message: str, suggestion: str | None = None
    ) -> Finding:
        """A finding of this rule from its parts: `written` is the original text[start:end]."""
        spec = self.spec
        return new_tuple(
            Finding,
            (
                spec.id,
                spec.level,
                spec.category,
                start,
                end,
                written,
                message,
                suggestion,
                spec.overridable,
            ),
        )

    def message(self, args: tuple[str, ...]) -> str:
        """The filled message; the same words recur across drafts, so fillings are memoised."""
        cached = self._messages.get(args)
        if cached is None:
            cached = _fill(self._template, args)
            if len(self._messages) < _MESSAGE_CACHE_SIZE:
                self._messages[args] = cached
        return cached


def format_message(template: str, args: tuple[str, ...]) -> str:
    """Fill each `%s` in turn; missing arguments leave nothing behind, extra ones are ignored."""
    return _fill(template.split("%s"), args)


def _fill(parts: list[str], args: tuple[str, ...]) -> str:
    if len(parts) == 1:
        return parts[0]
    out = [parts[0]]
    for i, part in enumerate(parts[1:]):
        out.append(args[i] if i < len(args) else "")
        out.append(part)
    return "".join(out)


_MESSAGE_CACHE_SIZE = 4096

RuleFactory = Callable[["RuleSpec", "TermCompiler"], Rule]

__all__ = ["MATCH_OPTION", "OptionSpec", "Rule", "RuleFactory", "format_message"]

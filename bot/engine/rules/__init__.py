"""The built-in rule types, registered in one explicit call.

`RULE_TYPES` maps each `type:` name to its class. It is built here, from a list, rather than
by decorators at import time (as spaCy now registers its factories): what is registered is
visible in one place, importing a rule module has no side effect, and there is no import cycle
between the registry and the rules. The loader is given this mapping to validate `rules:`
entries (`load_guidelines(path, RULE_TYPES)`); the checker builds each rule from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from bot.engine.rules.base import OptionSpec, Rule
from bot.engine.rules.boilerplate import BoilerplateRule
from bot.engine.rules.capitalization import CapitalizationRule
from bot.engine.rules.duplicate import DuplicateRule
from bot.engine.rules.existence import ExistenceRule
from bot.engine.rules.occurrence import OccurrenceRule
from bot.engine.rules.pii import PiiRule
from bot.engine.rules.readability import ReadabilityRule
from bot.engine.rules.relevance import RelevanceRule
from bot.engine.rules.substitution import SubstitutionRule


def registry(rule_classes: Iterable[type[Rule]]) -> Mapping[str, type[Rule]]:
    """A read-only mapping of `type:` name to class; two classes may not share a name."""
    found: dict[str, type[Rule]] = {}
    for cls in rule_classes:
        if cls.TYPE in found:
            raise ValueError(f"two rule types are named {cls.TYPE!r}")
        found[cls.TYPE] = cls
    return MappingProxyType(found)


RULE_TYPES: Mapping[str, type[Rule]] = registry(
    (
        ExistenceRule,
        SubstitutionRule,
        OccurrenceRule,
        CapitalizationRule,
        PiiRule,
        BoilerplateRule,
        DuplicateRule,
        ReadabilityRule,
        RelevanceRule,
    )
)


def rule_type(name: str) -> type[Rule] | None:
    return RULE_TYPES.get(name)


__all__ = ["RULE_TYPES", "OptionSpec", "Rule", "registry", "rule_type"]

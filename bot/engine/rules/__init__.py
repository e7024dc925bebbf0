"""Built-in rule types. Importing this package registers each of them by its `type:` name."""

from bot.engine.rules import (
    boilerplate,
    capitalization,
    duplicate,
    existence,
    occurrence,
    pii,
    readability,
    relevance,
    substitution,
)
from bot.engine.rules.base import RULE_TYPES, OptionSpec, Rule, register, rule_type

__all__ = [
    "RULE_TYPES",
    "OptionSpec",
    "Rule",
    "boilerplate",
    "capitalization",
    "duplicate",
    "existence",
    "occurrence",
    "pii",
    "readability",
    "register",
    "relevance",
    "rule_type",
    "substitution",
]

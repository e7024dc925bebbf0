"""Built-in rule types. Importing this package registers each of them by its `type:` name."""

from bot.engine.rules import capitalization, existence, occurrence, pii, substitution
from bot.engine.rules.base import RULE_TYPES, OptionSpec, Rule, register, rule_type

__all__ = [
    "RULE_TYPES",
    "OptionSpec",
    "Rule",
    "capitalization",
    "existence",
    "occurrence",
    "pii",
    "register",
    "rule_type",
    "substitution",
]

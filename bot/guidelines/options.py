"""What a rule type tells the loader about itself: its `type:` name and the fields it accepts.

The loader validates `rules:` entries against the rule types it is given; it never imports
them. The engine declares its rule classes with these attributes and hands the mapping of
`type:` name to class to the loader in one explicit call (`load_guidelines(path, RULE_TYPES)`),
the way spaCy registers its factories: so guideline files know nothing of the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

OptionKind = Literal["str", "int", "bool", "str_list", "str_map", "regex", "choice", "choice_list"]


@dataclass(frozen=True)
class OptionSpec:
    """A type-specific field of a rule: its YAML shape and what values are allowed."""

    kind: OptionKind
    required: bool = False
    choices: tuple[str, ...] = ()
    default: Any = None
    minimum: int | None = None
    help: str = ""

    def describe(self) -> str:
        """What is allowed, in words, for validation messages."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "choice_list":
            return "a list of any of " + ", ".join(self.choices)
        return {
            "str": "a string",
            "int": "an integer" + (f" >= {self.minimum}" if self.minimum is not None else ""),
            "bool": "true or false",
            "str_list": "a list of strings",
            "str_map": "a mapping of string to string",
            "regex": "a valid regular expression that runs in linear time",
        }[self.kind]


MATCH_OPTION = OptionSpec(
    "choice", choices=("lemma", "lower", "exact"), default="lemma", help="how terms are matched"
)


class RuleSchema(Protocol):
    """The class attributes the loader reads from a rule type (the engine's `Rule` has them)."""

    @property
    def TYPE(self) -> str: ...

    @property
    def OPTIONS(self) -> Mapping[str, OptionSpec]: ...

    @property
    def REQUIRE_ONE_OF(self) -> tuple[tuple[str, ...], ...]: ...


#: every rule type a file may name, by its `type:`
RuleTypes = Mapping[str, RuleSchema]

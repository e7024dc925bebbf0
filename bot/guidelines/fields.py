"""Line-aware validators of single values: the building blocks of every section's schema.

Each check records a `Problem` (file, line, field, what is allowed) and returns None, so that
validation goes on and a person fixing a file sees everything wrong with it at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from bot.guidelines.errors import Problem, did_you_mean
from bot.guidelines.options import OptionSpec
from bot.guidelines.patterns import PatternError, compile_pattern
from bot.guidelines.yamlmarks import Node, child_field, item_field

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
USER_ID_PATTERN = re.compile(r"^[UW][A-Z0-9]{2,}$")
SLUG_HINT = "lowercase letters, digits, '-' and '_', starting with a letter or digit"
USER_ID_HINT = "a Slack user id such as U01ABCDEF"


class Fields:
    """Checks the values of one parsed file, collecting every problem with its line.

    Each method returns the typed value, or None after recording why it is not allowed.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def error(self, line: int, where: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, where, message))

    # ----------------------------------------------------------------- shapes

    def fields(
        self,
        node: Node,
        where: str,
        what: str,
        allowed: Sequence[str],
        required: Sequence[str] = (),
    ) -> dict[str, Node] | None:
        """A mapping whose keys must all be in `allowed`; `what` names it in messages."""
        if node.kind != "map":
            self.error(node.line, where, f"expected a mapping of fields, got {shown(node)}")
            return None
        for key, line in node.key_lines.items():
            if key not in allowed:
                self.error(
                    line,
                    child_field(where, key),
                    f"'{key}' is not a known field of {what}{did_you_mean(key, allowed)} "
                    f"Allowed: {', '.join(allowed)}",
                )
        for key in required:
            if key not in node.value:
                self.error(node.line, child_field(where, key), f"{what} needs '{key}'")
        return {k: v for k, v in node.value.items() if k in allowed}

    def mapping(self, node: Node, where: str, what: str) -> dict[str, Node] | None:
        """A mapping with free keys (platform names, group names, ...)."""
        if node.kind != "map":
            self.error(node.line, where, f"expected {what}, got {shown(node)}")
            return None
        if not node.value:
            self.error(node.line, where, f"expected {what}, got an empty mapping")
            return None
        return node.value

    def items(self, node: Node, where: str, what: str, *, allow_empty: bool = False) -> list[Node]:
        """A list; a single scalar is not promoted to a list, because it is usually a mistake."""
        if node.kind != "seq":
            self.error(node.line, where, f"expected a list of {what}, got {shown(node)}")
            return []
        if not node.value and not allow_empty:
            self.error(node.line, where, f"expected a list of {what}, got an empty list")
        return node.value

    def string(
        self,
        node: Node,
        where: str,
        *,
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
    ) -> str | None:
        if node.kind != "scalar" or not isinstance(node.value, str):
            # `no`, `on`, `12` and `2026-11-01` are not text to YAML unless quoted
            typed = node.kind == "scalar" and isinstance(node.value, bool | int | float | date)
            quote = f'; quote it: "{node.source}"' if typed else ""
            self.error(node.line, where, f"expected a string, got {shown(node)}{quote}")
            return None
        if not node.value.strip():
            self.error(node.line, where, "expected a non-empty string")
            return None
        if pattern is not None and not pattern.match(node.value):
            self.error(node.line, where, f"'{node.value}' is not allowed; use {hint}")
            return None
        return node.value

    def integer(self, node: Node, where: str, minimum: int | None = None) -> int | None:
        value = node.value
        wanted = "an integer" + (f" >= {minimum}" if minimum is not None else "")
        if node.kind != "scalar" or isinstance(value, bool) or not isinstance(value, int):
            self.error(node.line, where, f"expected {wanted}, got {shown(node)}")
            return None
        if minimum is not None and value < minimum:
            self.error(node.line, where, f"{value} is too small; expected {wanted}")
            return None
        return value

    def boolean(self, node: Node, where: str) -> bool | None:
        if node.kind != "scalar" or not isinstance(node.value, bool):
            self.error(node.line, where, f"expected true or false, got {shown(node)}")
            return None
        return node.value

    def choice(
        self,
        node: Node,
        where: str,
        choices: Sequence[str],
        aliases: Mapping[str, str] | None = None,
    ) -> str | None:
        if node.kind != "scalar" or not isinstance(node.value, str):
            self.error(node.line, where, f"expected one of {', '.join(choices)}, got {shown(node)}")
            return None
        if node.value not in choices:
            alias = (aliases or {}).get(node.value.lower())
            hint = f" ('{node.value}' is spelled '{alias}' here)" if alias else ""
            message = f"'{node.value}' is not allowed; use one of {', '.join(choices)}{hint}"
            self.error(node.line, where, message)
            return None
        return node.value

    def each(
        self,
        node: Node,
        where: str,
        what: str,
        check: Callable[[Node, str], Any],
        *,
        allow_empty: bool = False,
    ) -> tuple[Any, ...] | None:
        """A list whose items all pass `check`; None if the list or any item is invalid."""
        before = len(self.problems)
        items = self.items(node, where, what, allow_empty=allow_empty)
        values = tuple(check(item, item_field(where, i)) for i, item in enumerate(items))
        return values if len(self.problems) == before else None

    def str_list(
        self, node: Node, where: str, *, allow_empty: bool = False
    ) -> tuple[str, ...] | None:
        return self.each(node, where, "strings", self.string, allow_empty=allow_empty)

    def choice_list(self, node: Node, where: str, choices: Sequence[str]) -> tuple[str, ...] | None:
        return self.each(node, where, "any of " + ", ".join(choices), bind(self.choice, choices))

    def str_map(self, node: Node, where: str) -> dict[str, str] | None:
        entries = self.mapping(node, where, "a mapping of string to string")
        if entries is None:
            return None
        before = len(self.problems)
        result = {
            key: self.string(value, child_field(where, key)) for key, value in entries.items()
        }
        for key, line in node.key_lines.items():
            if not key.strip():
                self.error(line, where, "a key must be a non-empty string")
        return result if len(self.problems) == before else None  # type: ignore[return-value]

    def regex(self, node: Node, where: str) -> str | None:
        pattern = self.string(node, where)
        if pattern is None:
            return None
        try:
            compile_pattern(pattern)
        except PatternError as exc:
            self.error(node.line, where, str(exc))
            return None
        return pattern

    def user_id(self, node: Node, where: str) -> str | None:
        return self.string(node, where, pattern=USER_ID_PATTERN, hint=USER_ID_HINT)

    def unique(
        self, seen: dict[str, int], value: str | None, line: int, where: str, what: str
    ) -> None:
        """Record `value`; a second occurrence is an error naming both lines."""
        if value is None:
            return
        if value in seen:
            self.error(
                line, where, f"duplicate {what} '{value}': already used at line {seen[value]}"
            )
        else:
            seen[value] = line

    def option(self, spec: OptionSpec, node: Node, where: str) -> Any:
        """A rule type's own field, checked as its OptionSpec says."""
        kind = spec.kind
        if kind == "str":
            return self.string(node, where)
        if kind == "int":
            return self.integer(node, where, spec.minimum)
        if kind == "bool":
            return self.boolean(node, where)
        if kind == "str_list":
            return self.str_list(node, where)
        if kind == "str_map":
            return self.str_map(node, where)
        if kind == "regex":
            return self.regex(node, where)
        if kind == "choice":
            return self.choice(node, where, spec.choices)
        if kind == "choice_list":
            return self.choice_list(node, where, spec.choices)
        raise ValueError(f"option kind {kind!r} is not supported by the loader")


def bind(method: Callable[..., Any], *args: Any) -> Callable[[Node, str], Any]:
    """`method` with its arguments after (node, where) fixed: a check for `Fields.each`."""
    return lambda node, where: method(node, where, *args)


def shown(node: Node) -> str:
    """How a wrong value is shown in a message: what the reader wrote and what YAML made of it."""
    if node.kind == "map":
        return "a mapping"
    if node.kind == "seq":
        return "a list"
    value = node.value
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"{node.source} (a boolean)"
    if isinstance(value, int | float):
        return f"{node.source} (a number)"
    if isinstance(value, date):
        return f"{node.source} (a date)"
    return f"'{value}' (a string)"

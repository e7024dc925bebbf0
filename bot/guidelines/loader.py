"""Load brand guideline files and validate every field, reporting problems as `file:line: field`.

The format is the contract in SPEC.md ("Brand guideline files"); `brand_guidelines/README.md` is
its reference. Validation never stops at the first problem: a person fixing a file wants to see
everything wrong with it at once, in line order. Unknown keys are always errors, because a typo
such as `tokns:` would otherwise silently disable a rule.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.engine.rules.base import RULE_TYPES, OptionSpec, Rule
from bot.guidelines.errors import GuidelineError, Problem, UnknownBrand, did_you_mean
from bot.guidelines.model import (
    KINDS,
    LANGUAGES,
    LEVELS,
    PLATFORMS,
    POLICY_CONDITIONS,
    ROUTING_CONDITIONS,
    STAGE_MODES,
    VERDICTS,
    AutoApproveEntry,
    Disclosure,
    Guidelines,
    PlatformLimits,
    RoutingRule,
    RuleSpec,
    Stage,
    ValueSpec,
)
from bot.guidelines.yamlmarks import Node, child_field, item_field, parse

__all__ = [
    "BRAND_ID_PATTERN",
    "GuidelineError",
    "GuidelineStore",
    "Problem",
    "UnknownBrand",
    "describe",
    "load_guidelines",
    "validate_paths",
]

SUFFIX = ".yml"
BRAND_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
USER_ID_PATTERN = re.compile(r"^[UW][A-Z0-9]{2,}$")
ANYONE = "*"

TOP_LEVEL_FIELDS = (
    "brand",
    "language",
    "version",
    "values",
    "platforms",
    "disclosure",
    "rules",
    "approvers",
    "routing",
    "policy",
    "submitters",
    "auditors",
)
VALUE_FIELDS = ("id", "description", "signals", "contradictions")
PLATFORM_FIELDS = ("max_chars", "max_hashtags")
DISCLOSURE_FIELDS = ("tags", "within_chars")
COMMON_RULE_FIELDS = (
    "id",
    "type",
    "level",
    "message",
    "category",
    "overridable",
    "platforms",
    "kinds",
)
ROUTING_FIELDS = ("default", "rules")
ROUTING_RULE_FIELDS = ("when", "stages")
STAGE_FIELDS = ("group", "mode")
POLICY_FIELDS = ("auto_approve",)

#: built-in checks (bot/engine/builtins.py) report under these ids and categories, so a rule
#: may not take the ids, and routing may name the categories even if no rule of the file does
RESERVED_RULE_IDS = ("platform-length", "platform-hashtags", "disclosure", "values")
BUILTIN_CATEGORIES = ("platform", "legal", "values")
#: names people reach for that the format spells differently
PLATFORM_ALIASES = {"twitter": "x", "ig": "instagram", "fb": "facebook", "yt": "youtube"}

SLUG_HINT = "lowercase letters, digits, '-' and '_', starting with a letter or digit"
USER_ID_HINT = "a Slack user id such as U01ABCDEF"


def load_guidelines(path: Path | str) -> Guidelines:
    """Read and validate one guideline file; raise GuidelineError listing every problem in it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise GuidelineError(
            [Problem(path, 0, "", f"cannot read the file: {exc.strerror}")]
        ) from exc
    return _load_bytes(path, raw)


def _load_bytes(path: Path, raw: bytes) -> Guidelines:
    problems: list[Problem] = []
    if not BRAND_ID_PATTERN.match(path.stem):
        problems.append(
            Problem(
                path,
                1,
                "",
                f"the file name '{path.stem}' is not a valid brand id; "
                "use lowercase letters, digits and '-', e.g. northwind-outdoor.yml",
            )
        )
    text = _decode(path, raw, problems)
    if text is None:
        raise GuidelineError(problems)
    root, yaml_problems = parse(text, path)
    problems.extend(yaml_problems)
    if root is None:
        raise GuidelineError(problems)
    validator = _Validator(path)
    sections = validator.document(root)
    problems.extend(validator.problems)
    if problems:
        raise GuidelineError(problems)
    return sections.build(brand_id=path.stem, sha256=hashlib.sha256(raw).hexdigest(), path=path)


def _decode(path: Path, raw: bytes, problems: list[Problem]) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(path, line, "", "the file is not valid UTF-8 text"))
        return None


# --------------------------------------------------------------------------- validation


@dataclass
class _Sections:
    """What validation produced; only built into Guidelines when there were no problems."""

    brand: str = ""
    language: str = ""
    version: str = ""
    values: tuple[ValueSpec, ...] = ()
    platforms: dict[str, PlatformLimits] | None = None
    disclosure: Disclosure | None = None
    rules: tuple[RuleSpec, ...] = ()
    approvers: dict[str, tuple[str, ...]] | None = None
    routing_default: tuple[Stage, ...] = ()
    routing_rules: tuple[RoutingRule, ...] = ()
    auto_approve: tuple[AutoApproveEntry, ...] = ()
    submitters: tuple[str, ...] = (ANYONE,)
    auditors: tuple[str, ...] = ()

    def build(self, *, brand_id: str, sha256: str, path: Path) -> Guidelines:
        return Guidelines(
            brand_id=brand_id,
            brand=self.brand,
            language=self.language,
            version=self.version,
            sha256=sha256,
            path=path,
            values=self.values,
            platforms=self.platforms or {},
            disclosure=self.disclosure,
            rules=self.rules,
            approvers=self.approvers or {},
            routing_default=self.routing_default,
            routing_rules=self.routing_rules,
            auto_approve=self.auto_approve,
            submitters=self.submitters,
            auditors=self.auditors,
        )


class _Validator:
    """Checks one parsed file. Each method returns the typed value, or None after an error."""

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
            self.error(node.line, where, f"expected a mapping of fields, got {_shown(node)}")
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
            self.error(node.line, where, f"expected {what}, got {_shown(node)}")
            return None
        if not node.value:
            self.error(node.line, where, f"expected {what}, got an empty mapping")
            return None
        return node.value

    def items(self, node: Node, where: str, what: str, *, allow_empty: bool = False) -> list[Node]:
        """A list; a single scalar is not promoted to a list, because it is usually a mistake."""
        if node.kind != "seq":
            self.error(node.line, where, f"expected a list of {what}, got {_shown(node)}")
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
            self.error(node.line, where, f"expected a string, got {_shown(node)}{quote}")
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
            self.error(node.line, where, f"expected {wanted}, got {_shown(node)}")
            return None
        if minimum is not None and value < minimum:
            self.error(node.line, where, f"{value} is too small; expected {wanted}")
            return None
        return value

    def boolean(self, node: Node, where: str) -> bool | None:
        if node.kind != "scalar" or not isinstance(node.value, bool):
            self.error(node.line, where, f"expected true or false, got {_shown(node)}")
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
            self.error(
                node.line, where, f"expected one of {', '.join(choices)}, got {_shown(node)}"
            )
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
        return self.each(node, where, "any of " + ", ".join(choices), _bind(self.choice, choices))

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
            re.compile(pattern)
        except re.error as exc:
            at = f" at position {exc.pos}" if exc.pos is not None else ""
            self.error(node.line, where, f"invalid regular expression {pattern!r}: {exc.msg}{at}")
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

    # ----------------------------------------------------------------- the document

    def document(self, root: Node) -> _Sections:
        out = _Sections()
        top = self.fields(root, "", "the file (top level)", TOP_LEVEL_FIELDS, ("brand", "language"))
        if top is None:
            return out
        if "brand" in top:
            out.brand = self.string(top["brand"], "brand") or ""
        if "language" in top:
            out.language = self.choice(top["language"], "language", LANGUAGES) or ""
        if "version" in top:
            out.version = self.version(top["version"]) or ""
        if "values" in top:
            out.values = self.values(top["values"])
        if "platforms" in top:
            out.platforms = self.platforms(top["platforms"])
        if "disclosure" in top:
            out.disclosure = self.disclosure(top["disclosure"])
        if "rules" in top:
            out.rules = self.rules(top["rules"])
        if "approvers" in top:
            out.approvers = self.approvers(top["approvers"])
        if "routing" in top:
            out.routing_default, out.routing_rules = self.routing(
                top["routing"], out.approvers or {}, _categories(top.get("rules"))
            )
        if "policy" in top:
            out.auto_approve = self.policy(top["policy"])
        if "submitters" in top:
            out.submitters = self.submitters(top["submitters"])
        if "auditors" in top:
            out.auditors = (
                self.each(
                    top["auditors"], "auditors", "Slack user ids", self.user_id, allow_empty=True
                )
                or ()
            )
        return out

    def version(self, node: Node) -> str | None:
        if (
            node.kind == "scalar"
            and isinstance(node.value, int | float | date)
            and not isinstance(node.value, bool)
        ):
            # YAML reads 2026.10 as the float 2026.1: the label would silently change
            self.error(
                node.line,
                "version",
                f'expected a string, got {_shown(node)}; quote it: version: "{node.source}"',
            )
            return None
        return self.string(node, "version")

    def values(self, node: Node) -> tuple[ValueSpec, ...]:
        seen: dict[str, int] = {}
        out: list[ValueSpec] = []
        for i, item in enumerate(self.items(node, "values", "values")):
            where = item_field("values", i)
            entries = self.fields(item, where, "a value", VALUE_FIELDS, ("id", "description"))
            if entries is None:
                continue
            value_id = description = None
            if "id" in entries:
                value_id = self.string(
                    entries["id"], f"{where}.id", pattern=SLUG_PATTERN, hint=SLUG_HINT
                )
                self.unique(seen, value_id, entries["id"].line, f"{where}.id", "value id")
            if "description" in entries:
                description = self.string(entries["description"], f"{where}.description")
            signals = self.optional_list(entries, "signals", where)
            contradictions = self.optional_list(entries, "contradictions", where)
            if value_id and description and signals is not None and contradictions is not None:
                out.append(ValueSpec(value_id, description, signals, contradictions))
        return tuple(out)

    def optional_list(
        self, entries: dict[str, Node], name: str, where: str
    ) -> tuple[str, ...] | None:
        return self.str_list(entries[name], f"{where}.{name}") if name in entries else ()

    def platforms(self, node: Node) -> dict[str, PlatformLimits] | None:
        entries = self.mapping(node, "platforms", "a mapping of platform name to limits")
        if entries is None:
            return None
        out: dict[str, PlatformLimits] = {}
        for name, limits in entries.items():
            where = child_field("platforms", name)
            key = Node("scalar", name, node.key_lines[name], source=name)
            if self.choice(key, where, PLATFORMS, PLATFORM_ALIASES) is None:
                continue
            fields = self.fields(limits, where, f"platforms.{name}", PLATFORM_FIELDS)
            if fields is None:
                continue
            max_chars = max_hashtags = None
            if "max_chars" in fields:
                max_chars = self.integer(fields["max_chars"], f"{where}.max_chars", 1)
            if "max_hashtags" in fields:
                max_hashtags = self.integer(fields["max_hashtags"], f"{where}.max_hashtags", 0)
            out[name] = PlatformLimits(max_chars=max_chars, max_hashtags=max_hashtags)
        return out

    def disclosure(self, node: Node) -> Disclosure | None:
        fields = self.fields(node, "disclosure", "disclosure", DISCLOSURE_FIELDS, ("tags",))
        if fields is None or "tags" not in fields:
            return None
        tags = self.str_list(fields["tags"], "disclosure.tags")
        within = None
        if "within_chars" in fields:
            within = self.integer(fields["within_chars"], "disclosure.within_chars", 1)
        return Disclosure(tags=tags, within_chars=within) if tags else None

    # ----------------------------------------------------------------- rules

    def rules(self, node: Node) -> tuple[RuleSpec, ...]:
        seen: dict[str, int] = {}
        out = []
        for i, item in enumerate(self.items(node, "rules", "rules", allow_empty=True)):
            spec = self.rule(item, item_field("rules", i), seen)
            if spec is not None:
                out.append(spec)
        return tuple(out)

    def rule(self, node: Node, where: str, seen: dict[str, int]) -> RuleSpec | None:
        if node.kind != "map":
            self.error(
                node.line, where, f"expected a rule (a mapping of fields), got {_shown(node)}"
            )
            return None
        before = len(self.problems)
        entries: dict[str, Node] = node.value
        rule_id = self.rule_id(entries, node, where, seen)
        cls = self.rule_class(entries, node, where)
        if cls is not None:
            own = _own_options(cls)
            allowed = (*(k for k in COMMON_RULE_FIELDS if k not in own), *own)
            self.fields(node, where, _rule_what(cls), allowed)
            common_entries = {k: v for k, v in entries.items() if k not in own}
        else:
            # Without a known type we cannot tell its own fields from typos; check only the
            # common ones, so the unknown type is the one problem reported for this rule.
            common_entries = {k: v for k, v in entries.items() if k in COMMON_RULE_FIELDS}
        common = self.rule_common(common_entries, where)
        options = self.rule_options(cls, entries, node, where) if cls is not None else None
        if len(self.problems) != before or rule_id is None or cls is None or options is None:
            return None
        return RuleSpec(id=rule_id, type=cls.TYPE, options=options, line=node.line, **common)

    def rule_id(
        self, entries: dict[str, Node], node: Node, where: str, seen: dict[str, int]
    ) -> str | None:
        if "id" not in entries:
            self.error(node.line, f"{where}.id", "a rule needs an 'id' (unique within the file)")
            return None
        id_node = entries["id"]
        rule_id = self.string(id_node, f"{where}.id", pattern=SLUG_PATTERN, hint=SLUG_HINT)
        if rule_id in RESERVED_RULE_IDS:
            self.error(
                id_node.line,
                f"{where}.id",
                f"'{rule_id}' is reserved for a built-in check; choose another id",
            )
            return None
        self.unique(seen, rule_id, id_node.line, f"{where}.id", "rule id")
        return rule_id

    def rule_class(self, entries: dict[str, Node], node: Node, where: str) -> type[Rule] | None:
        types = registered_rule_types()
        known = ", ".join(sorted(types))
        if "type" not in entries:
            self.error(node.line, f"{where}.type", f"a rule needs a 'type': one of {known}")
            return None
        type_node = entries["type"]
        name = self.string(type_node, f"{where}.type")
        if name is None:
            return None
        if name not in types:
            hint = did_you_mean(name, types) or ";"
            message = f"unknown rule type '{name}'{hint} registered types: {known}"
            self.error(type_node.line, f"{where}.type", message)
            return None
        return types[name]

    def rule_common(self, entries: dict[str, Node], where: str) -> dict[str, Any]:
        common: dict[str, Any] = {"level": "warning", "overridable": True}
        if "level" in entries:
            common["level"] = self.choice(entries["level"], f"{where}.level", LEVELS)
        if "message" in entries:
            common["message"] = self.string(entries["message"], f"{where}.message")
        if "category" in entries:
            common["category"] = self.string(
                entries["category"], f"{where}.category", pattern=SLUG_PATTERN, hint=SLUG_HINT
            )
        if "overridable" in entries:
            common["overridable"] = self.boolean(entries["overridable"], f"{where}.overridable")
        for name, choices in (("platforms", PLATFORMS), ("kinds", KINDS)):
            if name in entries:
                common[name] = self.choice_list(entries[name], f"{where}.{name}", choices)
        return common

    def rule_options(
        self, cls: type[Rule], entries: dict[str, Node], node: Node, where: str
    ) -> dict[str, Any] | None:
        what = _rule_what(cls)
        before = len(self.problems)
        options: dict[str, Any] = {}
        for name, spec in _own_options(cls).items():
            if name in entries:
                options[name] = self.option(spec, entries[name], f"{where}.{name}")
            elif spec.required:
                self.error(
                    node.line, f"{where}.{name}", f"{what} needs '{name}': {spec.describe()}"
                )
            elif spec.default is not None:
                options[name] = spec.default
        for group in cls.REQUIRE_ONE_OF:
            if not any(name in entries for name in group):
                names = " or ".join(f"'{name}'" for name in group)
                self.error(node.line, where, f"{what} needs {names}")
        return options if len(self.problems) == before else None

    def option(self, spec: OptionSpec, node: Node, where: str) -> Any:
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

    # ----------------------------------------------------------------- people and routing

    def approvers(self, node: Node) -> dict[str, tuple[str, ...]] | None:
        entries = self.mapping(node, "approvers", "a mapping of group name to Slack user ids")
        if entries is None:
            return None
        out: dict[str, tuple[str, ...]] = {}
        for group, members in entries.items():
            where = child_field("approvers", group)
            key = Node("scalar", group, node.key_lines[group], source=group)
            self.string(key, where, pattern=SLUG_PATTERN, hint=SLUG_HINT)
            users = self.each(members, where, "Slack user ids", self.user_id)
            # Keep the group even if invalid, so routing does not also report it as missing.
            out[group] = users or ()
        return out

    def submitters(self, node: Node) -> tuple[str, ...]:
        def check(item: Node, where: str) -> str | None:
            if item.kind == "scalar" and item.value == ANYONE:
                return ANYONE
            return self.string(
                item, where, pattern=USER_ID_PATTERN, hint=f'{USER_ID_HINT}, or "*" for anyone'
            )

        return self.each(node, "submitters", 'Slack user ids (or "*")', check) or (ANYONE,)

    def routing(
        self, node: Node, approvers: Mapping[str, tuple[str, ...]], categories: set[str]
    ) -> tuple[tuple[Stage, ...], tuple[RoutingRule, ...]]:
        fields = self.fields(node, "routing", "routing", ROUTING_FIELDS, ("default",))
        if fields is None:
            return (), ()
        default: tuple[Stage, ...] = ()
        if "default" in fields:
            default = self.stages(fields["default"], "routing.default", approvers)
        rules: list[RoutingRule] = []
        if "rules" in fields:
            for i, item in enumerate(
                self.items(fields["rules"], "routing.rules", "routing rules", allow_empty=True)
            ):
                rule = self.routing_rule(
                    item, item_field("routing.rules", i), approvers, categories
                )
                if rule is not None:
                    rules.append(rule)
        return default, tuple(rules)

    def routing_rule(
        self, node: Node, where: str, approvers: Mapping[str, tuple[str, ...]], categories: set[str]
    ) -> RoutingRule | None:
        fields = self.fields(node, where, "a routing rule", ROUTING_RULE_FIELDS, ("when", "stages"))
        if fields is None or "when" not in fields or "stages" not in fields:
            return None
        when = self.conditions(fields["when"], f"{where}.when", ROUTING_CONDITIONS, categories)
        stages = self.stages(fields["stages"], f"{where}.stages", approvers)
        if when is None or not stages:
            return None
        return RoutingRule(when=when, stages=stages)

    def stages(
        self, node: Node, where: str, approvers: Mapping[str, tuple[str, ...]]
    ) -> tuple[Stage, ...]:
        seen: dict[str, int] = {}
        out: list[Stage] = []
        for i, item in enumerate(self.items(node, where, "stages (group names or {group, mode})")):
            stage = self.stage(item, item_field(where, i), approvers)
            if stage is not None:
                self.unique(seen, stage.group, item.line, item_field(where, i), "stage group")
                out.append(stage)
        return tuple(out)

    def stage(
        self, node: Node, where: str, approvers: Mapping[str, tuple[str, ...]]
    ) -> Stage | None:
        mode = "any"
        group_node = node
        group_where = where
        if node.kind == "map":
            fields = self.fields(node, where, "a stage", STAGE_FIELDS, ("group",))
            if fields is None or "group" not in fields:
                return None
            group_node, group_where = fields["group"], f"{where}.group"
            if "mode" in fields:
                mode = self.choice(fields["mode"], f"{where}.mode", STAGE_MODES) or "any"
        group = self.string(group_node, group_where)
        if group is None:
            return None
        if group not in approvers:
            known = ", ".join(approvers) if approvers else "none (add an 'approvers' section)"
            self.error(
                group_node.line,
                group_where,
                f"'{group}' is not a group in approvers{did_you_mean(group, approvers) or ';'}"
                f" known groups: {known}",
            )
            return None
        return Stage(group=group, mode=mode)  # type: ignore[arg-type]

    def conditions(
        self,
        node: Node,
        where: str,
        allowed: Sequence[str],
        categories: set[str] | None = None,
    ) -> dict[str, tuple[Any, ...]] | None:
        """`{kind: reply, platform: [x, threads]}`: each value a scalar or a list of scalars."""
        what = "a policy entry" if "verdict" in allowed else "a routing condition"
        fields = self.fields(node, where, what, allowed)
        if fields is None:
            return None
        if not fields and not node.key_lines:
            self.error(
                node.line,
                where,
                f"{what} needs at least one of {', '.join(allowed)}; "
                "an empty one would match every draft",
            )
            return None
        before = len(self.problems)
        out: dict[str, tuple[Any, ...]] = {}
        for name, value in fields.items():
            check = self.condition_check(name, categories)
            field_where = f"{where}.{name}"
            if value.kind == "seq":
                out[name] = self.each(value, field_where, "values", check) or ()
            else:
                out[name] = (check(value, field_where),)
        return out if len(self.problems) == before else None

    def condition_check(self, name: str, categories: set[str] | None) -> Callable[[Node, str], Any]:
        if name == "platform":
            return _bind(self.choice, PLATFORMS, PLATFORM_ALIASES)
        if name == "kind":
            return _bind(self.choice, KINDS)
        if name == "verdict":
            return _bind(self.choice, VERDICTS)
        if name == "sponsored":
            return self.boolean
        return lambda node, where: self.category(node, where, categories or set())

    def category(self, node: Node, where: str, categories: set[str]) -> str | None:
        value = self.string(node, where, pattern=SLUG_PATTERN, hint=SLUG_HINT)
        if value is not None and value not in categories:
            # A condition on a category no rule has can never match: almost always a typo.
            known = ", ".join(sorted(categories))
            self.error(
                node.line,
                where,
                f"no rule has category '{value}'{did_you_mean(value, categories) or ';'}"
                f" known categories (of the rules and built-in checks): {known}",
            )
            return None
        return value

    def policy(self, node: Node) -> tuple[AutoApproveEntry, ...]:
        fields = self.fields(node, "policy", "policy", POLICY_FIELDS)
        if fields is None or "auto_approve" not in fields:
            return ()
        where = "policy.auto_approve"
        out = []
        for i, item in enumerate(
            self.items(fields["auto_approve"], where, "conditions", allow_empty=True)
        ):
            conditions = self.conditions(item, item_field(where, i), POLICY_CONDITIONS)
            if conditions is not None:
                out.append(AutoApproveEntry(index=i, conditions=conditions))
        return tuple(out)


def _categories(rules: Node | None) -> set[str]:
    """The built-in categories and those written in the rules, valid or not: a broken rule
    should not make every routing condition on its category fail too."""
    found = set(BUILTIN_CATEGORIES)
    if rules is None or rules.kind != "seq":
        return found
    for rule in rules.value:
        category = rule.value.get("category") if rule.kind == "map" else None
        if category is not None and isinstance(category.value, str):
            found.add(category.value)
    return found


def _bind(method: Callable[..., Any], *args: Any) -> Callable[[Node, str], Any]:
    return lambda node, where: method(node, where, *args)


def _rule_what(cls: type[Rule]) -> str:
    article = "an" if cls.TYPE[:1].lower() in "aeiou" else "a"
    return f"{article} {cls.TYPE} rule"


def _own_options(cls: type[Rule]) -> dict[str, OptionSpec]:
    """The type's own fields. One named like a common field would replace it for that type;
    `id` and `type` are never replaced."""
    return {k: v for k, v in cls.OPTIONS.items() if k not in ("id", "type")}


def _shown(node: Node) -> str:
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


def registered_rule_types() -> Mapping[str, type[Rule]]:
    """Every rule type, by `type:` name; importing the package registers the built-in ones."""
    import bot.engine.rules  # noqa: F401

    return RULE_TYPES


# --------------------------------------------------------------------------- many files


def validate_paths(paths: Iterable[Path | str]) -> list[Problem]:
    """Every problem in the given files and folders of guideline files (none: all valid)."""
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            files, stray = _guideline_files(path)
            problems.extend(stray)
            if not files and not stray:
                problems.append(Problem(path, 0, "", f"no brand guideline files (*{SUFFIX}) here"))
        elif path.exists():
            files = [path]
        else:
            problems.append(Problem(path, 0, "", "no such file or folder"))
            continue
        for file in files:
            try:
                load_guidelines(file)
            except GuidelineError as exc:
                problems.extend(exc.problems)
    return problems


def _guideline_files(directory: Path) -> tuple[list[Path], list[Problem]]:
    """The folder's guideline files, and a problem for each that looks like one but is misnamed."""
    files: list[Path] = []
    stray: list[Problem] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.suffix == SUFFIX:
            files.append(path)
        elif path.suffix.lower() in (".yaml", ".yml"):
            # brandgate would silently ignore it, and the brand would have no guidelines
            stray.append(
                Problem(
                    path,
                    0,
                    "",
                    f"guideline files must end in '{SUFFIX}'; rename it to {path.stem}{SUFFIX}",
                )
            )
    return files, stray


@dataclass(frozen=True)
class _Cached:
    key: tuple[int, int]
    guidelines: Guidelines


class GuidelineStore:
    """The folder of guideline files, loaded on demand and reloaded when a file changes."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._cache: dict[Path, _Cached] = {}
        self._lock = threading.Lock()

    def path_of(self, brand_id: str) -> Path:
        return self.directory / f"{brand_id}{SUFFIX}"

    def brand_ids(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        files, _ = _guideline_files(self.directory)
        return sorted(p.stem for p in files if BRAND_ID_PATTERN.match(p.stem))

    def get(self, brand_id: str) -> Guidelines:
        """The brand's guidelines: UnknownBrand if there is no file, GuidelineError if invalid."""
        path = self.path_of(brand_id)
        if not BRAND_ID_PATTERN.match(brand_id) or not path.is_file():
            raise UnknownBrand(brand_id, self.brand_ids())
        return self._load(path)

    def all(self) -> list[Guidelines]:
        """Every brand, sorted by id; GuidelineError lists the problems of every invalid file."""
        if not self.directory.is_dir():
            return []
        files, problems = _guideline_files(self.directory)
        loaded: list[Guidelines] = []
        for path in files:
            try:
                loaded.append(self._load(path))
            except GuidelineError as exc:
                problems.extend(exc.problems)
        if problems:
            raise GuidelineError(problems)
        return sorted(loaded, key=lambda g: g.brand_id)

    def _load(self, path: Path) -> Guidelines:
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise UnknownBrand(path.stem, self.brand_ids()) from None
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None and cached.key == key:
            return cached.guidelines
        # Stat before reading: if the file changes meanwhile, the next call sees a newer key.
        guidelines = load_guidelines(path)
        with self._lock:
            self._cache[path] = _Cached(key, guidelines)
        return guidelines


# --------------------------------------------------------------------------- describe


def describe(guidelines: Guidelines) -> str:
    """A human-readable summary, for `brandgate guidelines show ID`."""
    g = guidelines
    lines = [
        f"{g.brand} ({g.brand_id})",
        f"  file:      {g.path}",
        f"  language:  {g.language}",
        f"  version:   {g.version or '(none)'}",
        f"  sha256:    {g.sha256}",
        "",
    ]
    lines += _describe_values(g)
    lines += _describe_platforms(g)
    lines += _describe_rules(g)
    lines += _describe_people_and_routing(g)
    return "\n".join(lines).rstrip() + "\n"


def _describe_values(g: Guidelines) -> list[str]:
    if not g.values:
        return ["Values: (none)", ""]
    lines = [f"Values ({len(g.values)}):"]
    for v in g.values:
        lines.append(f"  {v.id}: {v.description}")
        if v.signals:
            lines.append(f"      signals:        {', '.join(v.signals)}")
        if v.contradictions:
            lines.append(f"      contradictions: {', '.join(v.contradictions)}")
    return [*lines, ""]


def _describe_platforms(g: Guidelines) -> list[str]:
    lines = ["Platforms:" if g.platforms else "Platforms: (no limits)"]
    for name, limits in g.platforms.items():
        parts = []
        if limits.max_chars is not None:
            parts.append(f"max {limits.max_chars} characters")
        if limits.max_hashtags is not None:
            parts.append(f"max {limits.max_hashtags} hashtags")
        lines.append(f"  {name:<10} {', '.join(parts) or 'no limits'}")
    if g.disclosure:
        within = (
            f" within the first {g.disclosure.within_chars} characters"
            if g.disclosure.within_chars
            else ""
        )
        lines.append(
            f"Disclosure: sponsored drafts need one of {', '.join(g.disclosure.tags)}{within}"
        )
    else:
        lines.append("Disclosure: (none required)")
    return [*lines, ""]


def _describe_rules(g: Guidelines) -> list[str]:
    if not g.rules:
        return ["Rules: (none)", ""]
    header = ("ID", "TYPE", "LEVEL", "CATEGORY", "OVERRIDE", "APPLIES TO", "DETAILS")
    rows = [header]
    for r in g.rules:
        scope = ", ".join((*r.platforms, *r.kinds)) or "all"
        rows.append(
            (
                r.id,
                r.type,
                r.level,
                r.category or "-",
                "yes" if r.overridable else "no",
                scope,
                _option_summary(r.options),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = [f"Rules ({len(g.rules)}):"]
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  " + "  ".join([*cells, row[-1]]).rstrip())
    return [*lines, ""]


def _option_summary(options: Mapping[str, Any]) -> str:
    parts = []
    for name, value in options.items():
        if isinstance(value, Mapping):
            parts.append(f"{name}: {len(value)} pairs")
        elif isinstance(value, tuple | list):
            shown = ", ".join(map(str, value[:3])) + (", ..." if len(value) > 3 else "")
            parts.append(f"{name}: {len(value)} [{shown}]")
        else:
            parts.append(f"{name}: '{value}'" if isinstance(value, str) else f"{name}: {value}")
    return "; ".join(parts)


def _stages_text(stages: Sequence[Stage]) -> str:
    if not stages:
        return "(none)"
    return " -> ".join(s.group if s.mode == "any" else f"{s.group} (all)" for s in stages)


def _conditions_text(conditions: Mapping[str, tuple[Any, ...]]) -> str:
    def shown(value: Any) -> str:
        return str(value).lower() if isinstance(value, bool) else str(value)

    return " and ".join(
        f"{name} = {' or '.join(shown(v) for v in values)}" for name, values in conditions.items()
    )


def _describe_people_and_routing(g: Guidelines) -> list[str]:
    lines = ["Approvers:" if g.approvers else "Approvers: (none)"]
    lines += [f"  {group}: {', '.join(users)}" for group, users in g.approvers.items()]
    lines += ["", "Routing:"]
    for i, rule in enumerate(g.routing_rules, 1):
        lines.append(f"  {i}. when {_conditions_text(rule.when)}: {_stages_text(rule.stages)}")
    lines.append(f"  default: {_stages_text(g.routing_default)}")
    lines += ["", "Policy:"]
    if g.auto_approve:
        lines += [
            f"  {entry.label}: auto-approve when {_conditions_text(entry.conditions)}"
            for entry in g.auto_approve
        ]
    else:
        lines.append("  every draft needs in-house approval (no auto_approve entries)")
    submitters = "anyone in the workspace" if ANYONE in g.submitters else ", ".join(g.submitters)
    lines += ["", f"Submitters: {submitters}", f"Auditors:   {', '.join(g.auditors) or '(none)'}"]
    return lines

"""Schema of `rules:`: the fields every rule has, and each rule type's own (its OptionSpecs)."""

from __future__ import annotations

from typing import Any

from bot.guidelines.errors import did_you_mean
from bot.guidelines.fields import SLUG_HINT, SLUG_PATTERN, Fields, shown
from bot.guidelines.model import KINDS, LEVELS, PLATFORMS, RuleSpec
from bot.guidelines.options import OptionSpec, RuleSchema, RuleTypes
from bot.guidelines.yamlmarks import Node, item_field

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
#: built-in checks (bot/engine/builtins.py) report under these ids and categories, so a rule
#: may not take the ids, and routing may name the categories even if no rule of the file does
RESERVED_RULE_IDS = ("platform-length", "platform-hashtags", "disclosure", "values")
BUILTIN_CATEGORIES = ("platform", "legal", "values")


def rules(v: Fields, node: Node, rule_types: RuleTypes) -> tuple[RuleSpec, ...]:
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(v.items(node, "rules", "rules", allow_empty=True)):
        spec = _rule(v, item, item_field("rules", i), seen, rule_types)
        if spec is not None:
            out.append(spec)
    return tuple(out)


def categories(rules_node: Node | None) -> set[str]:
    """The built-in categories and those written in the rules, valid or not: a broken rule
    should not make every routing condition on its category fail too."""
    found = set(BUILTIN_CATEGORIES)
    if rules_node is None or rules_node.kind != "seq":
        return found
    for rule in rules_node.value:
        category = rule.value.get("category") if rule.kind == "map" else None
        if category is not None and isinstance(category.value, str):
            found.add(category.value)
    return found


def _rule(
    v: Fields, node: Node, where: str, seen: dict[str, int], rule_types: RuleTypes
) -> RuleSpec | None:
    if node.kind != "map":
        v.error(node.line, where, f"expected a rule (a mapping of fields), got {shown(node)}")
        return None
    before = len(v.problems)
    entries: dict[str, Node] = node.value
    rule_id = _rule_id(v, entries, node, where, seen)
    schema = _rule_schema(v, entries, node, where, rule_types)
    if schema is not None:
        own = _own_options(schema)
        allowed = (*(k for k in COMMON_RULE_FIELDS if k not in own), *own)
        v.fields(node, where, _rule_what(schema), allowed)
        common_entries = {k: val for k, val in entries.items() if k not in own}
    else:
        # Without a known type we cannot tell its own fields from typos; check only the
        # common ones, so the unknown type is the one problem reported for this rule.
        common_entries = {k: val for k, val in entries.items() if k in COMMON_RULE_FIELDS}
    common = _rule_common(v, common_entries, where)
    options = _rule_options(v, schema, entries, node, where) if schema is not None else None
    if len(v.problems) != before or rule_id is None or schema is None or options is None:
        return None
    return RuleSpec(id=rule_id, type=schema.TYPE, options=options, line=node.line, **common)


def _rule_id(
    v: Fields, entries: dict[str, Node], node: Node, where: str, seen: dict[str, int]
) -> str | None:
    if "id" not in entries:
        v.error(node.line, f"{where}.id", "a rule needs an 'id' (unique within the file)")
        return None
    id_node = entries["id"]
    rule_id = v.string(id_node, f"{where}.id", pattern=SLUG_PATTERN, hint=SLUG_HINT)
    if rule_id in RESERVED_RULE_IDS:
        v.error(
            id_node.line,
            f"{where}.id",
            f"'{rule_id}' is reserved for a built-in check; choose another id",
        )
        return None
    v.unique(seen, rule_id, id_node.line, f"{where}.id", "rule id")
    return rule_id


def _rule_schema(
    v: Fields, entries: dict[str, Node], node: Node, where: str, rule_types: RuleTypes
) -> RuleSchema | None:
    known = ", ".join(sorted(rule_types))
    if "type" not in entries:
        v.error(node.line, f"{where}.type", f"a rule needs a 'type': one of {known}")
        return None
    type_node = entries["type"]
    name = v.string(type_node, f"{where}.type")
    if name is None:
        return None
    if name not in rule_types:
        hint = did_you_mean(name, rule_types) or ";"
        v.error(
            type_node.line,
            f"{where}.type",
            f"unknown rule type '{name}'{hint} registered types: {known}",
        )
        return None
    return rule_types[name]


def _rule_common(v: Fields, entries: dict[str, Node], where: str) -> dict[str, Any]:
    common: dict[str, Any] = {"level": "warning", "overridable": True}
    if "level" in entries:
        common["level"] = v.choice(entries["level"], f"{where}.level", LEVELS)
    if "message" in entries:
        common["message"] = v.string(entries["message"], f"{where}.message")
    if "category" in entries:
        common["category"] = v.string(
            entries["category"], f"{where}.category", pattern=SLUG_PATTERN, hint=SLUG_HINT
        )
    if "overridable" in entries:
        common["overridable"] = v.boolean(entries["overridable"], f"{where}.overridable")
    for name, choices in (("platforms", PLATFORMS), ("kinds", KINDS)):
        if name in entries:
            common[name] = v.choice_list(entries[name], f"{where}.{name}", choices)
    return common


def _rule_options(
    v: Fields, schema: RuleSchema, entries: dict[str, Node], node: Node, where: str
) -> dict[str, Any] | None:
    what = _rule_what(schema)
    before = len(v.problems)
    options: dict[str, Any] = {}
    for name, spec in _own_options(schema).items():
        if name in entries:
            options[name] = v.option(spec, entries[name], f"{where}.{name}")
        elif spec.required:
            v.error(node.line, f"{where}.{name}", f"{what} needs '{name}': {spec.describe()}")
        elif spec.default is not None:
            options[name] = spec.default
    for group in schema.REQUIRE_ONE_OF:
        if not any(name in entries for name in group):
            names = " or ".join(f"'{name}'" for name in group)
            v.error(node.line, where, f"{what} needs {names}")
    return options if len(v.problems) == before else None


def _rule_what(schema: RuleSchema) -> str:
    article = "an" if schema.TYPE[:1].lower() in "aeiou" else "a"
    return f"{article} {schema.TYPE} rule"


def _own_options(schema: RuleSchema) -> dict[str, OptionSpec]:
    """The type's own fields. One named like a common field would replace it for that type;
    `id` and `type` are never replaced."""
    return {k: spec for k, spec in schema.OPTIONS.items() if k not in ("id", "type")}

"""Schema of the sections that describe the brand: version, values, platforms, disclosure."""

from __future__ import annotations

from datetime import date

from bot.guidelines.fields import SLUG_HINT, SLUG_PATTERN, Fields, shown
from bot.guidelines.model import PLATFORMS, Disclosure, PlatformLimits, ValueSpec
from bot.guidelines.yamlmarks import Node, child_field, item_field

VALUE_FIELDS = ("id", "description", "signals", "contradictions")
PLATFORM_FIELDS = ("max_chars", "max_hashtags")
DISCLOSURE_FIELDS = ("tags", "within_chars")
#: names people reach for that the format spells differently
PLATFORM_ALIASES = {"twitter": "x", "ig": "instagram", "fb": "facebook", "yt": "youtube"}


def version(v: Fields, node: Node) -> str | None:
    if (
        node.kind == "scalar"
        and isinstance(node.value, int | float | date)
        and not isinstance(node.value, bool)
    ):
        # YAML reads 2026.10 as the float 2026.1: the label would silently change
        v.error(
            node.line,
            "version",
            f'expected a string, got {shown(node)}; quote it: version: "{node.source}"',
        )
        return None
    return v.string(node, "version")


def values(v: Fields, node: Node) -> tuple[ValueSpec, ...]:
    seen: dict[str, int] = {}
    out: list[ValueSpec] = []
    for i, item in enumerate(v.items(node, "values", "values")):
        where = item_field("values", i)
        entries = v.fields(item, where, "a value", VALUE_FIELDS, ("id", "description"))
        if entries is None:
            continue
        value_id = description = None
        if "id" in entries:
            value_id = v.string(entries["id"], f"{where}.id", pattern=SLUG_PATTERN, hint=SLUG_HINT)
            v.unique(seen, value_id, entries["id"].line, f"{where}.id", "value id")
        if "description" in entries:
            description = v.string(entries["description"], f"{where}.description")
        signals = _optional_list(v, entries, "signals", where)
        contradictions = _optional_list(v, entries, "contradictions", where)
        if value_id and description and signals is not None and contradictions is not None:
            out.append(ValueSpec(value_id, description, signals, contradictions))
    return tuple(out)


def _optional_list(
    v: Fields, entries: dict[str, Node], name: str, where: str
) -> tuple[str, ...] | None:
    return v.str_list(entries[name], f"{where}.{name}") if name in entries else ()


def platforms(v: Fields, node: Node) -> dict[str, PlatformLimits] | None:
    entries = v.mapping(node, "platforms", "a mapping of platform name to limits")
    if entries is None:
        return None
    out: dict[str, PlatformLimits] = {}
    for name, limits in entries.items():
        where = child_field("platforms", name)
        key = Node("scalar", name, node.key_lines[name], source=name)
        if v.choice(key, where, PLATFORMS, PLATFORM_ALIASES) is None:
            continue
        fields = v.fields(limits, where, f"platforms.{name}", PLATFORM_FIELDS)
        if fields is None:
            continue
        max_chars = max_hashtags = None
        if "max_chars" in fields:
            max_chars = v.integer(fields["max_chars"], f"{where}.max_chars", 1)
        if "max_hashtags" in fields:
            max_hashtags = v.integer(fields["max_hashtags"], f"{where}.max_hashtags", 0)
        out[name] = PlatformLimits(max_chars=max_chars, max_hashtags=max_hashtags)
    return out


def disclosure(v: Fields, node: Node) -> Disclosure | None:
    fields = v.fields(node, "disclosure", "disclosure", DISCLOSURE_FIELDS, ("tags",))
    if fields is None or "tags" not in fields:
        return None
    tags = v.str_list(fields["tags"], "disclosure.tags")
    within = None
    if "within_chars" in fields:
        within = v.integer(fields["within_chars"], "disclosure.within_chars", 1)
    return Disclosure(tags=tags, within_chars=within) if tags else None

"""Schema of the sections that name people: approvers, submitters, auditors."""

from __future__ import annotations

from bot.guidelines.fields import SLUG_HINT, SLUG_PATTERN, USER_ID_HINT, USER_ID_PATTERN, Fields
from bot.guidelines.yamlmarks import Node, child_field

ANYONE = "*"


def approvers(v: Fields, node: Node) -> dict[str, tuple[str, ...]] | None:
    entries = v.mapping(node, "approvers", "a mapping of group name to Slack user ids")
    if entries is None:
        return None
    out: dict[str, tuple[str, ...]] = {}
    for group, members in entries.items():
        where = child_field("approvers", group)
        key = Node("scalar", group, node.key_lines[group], source=group)
        v.string(key, where, pattern=SLUG_PATTERN, hint=SLUG_HINT)
        users = v.each(members, where, "Slack user ids", v.user_id)
        # Keep the group even if invalid, so routing does not also report it as missing.
        out[group] = users or ()
    return out


def submitters(v: Fields, node: Node) -> tuple[str, ...]:
    def check(item: Node, where: str) -> str | None:
        if item.kind == "scalar" and item.value == ANYONE:
            return ANYONE
        return v.string(
            item, where, pattern=USER_ID_PATTERN, hint=f'{USER_ID_HINT}, or "*" for anyone'
        )

    return v.each(node, "submitters", 'Slack user ids (or "*")', check) or (ANYONE,)


def auditors(v: Fields, node: Node) -> tuple[str, ...]:
    return v.each(node, "auditors", "Slack user ids", v.user_id, allow_empty=True) or ()

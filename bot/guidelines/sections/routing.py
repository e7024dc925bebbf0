"""Schema of the sections that decide who reviews a draft: routing (stages) and policy."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.guidelines.errors import did_you_mean
from bot.guidelines.fields import SLUG_HINT, SLUG_PATTERN, Fields, bind
from bot.guidelines.model import (
    KINDS,
    PLATFORMS,
    POLICY_CONDITIONS,
    ROUTING_CONDITIONS,
    STAGE_MODES,
    VERDICTS,
    AutoApproveEntry,
    RoutingRule,
    Stage,
)
from bot.guidelines.sections.brand import PLATFORM_ALIASES
from bot.guidelines.yamlmarks import Node, item_field

ROUTING_FIELDS = ("default", "rules")
ROUTING_RULE_FIELDS = ("when", "stages")
STAGE_FIELDS = ("group", "mode")
POLICY_FIELDS = ("auto_approve",)

Approvers = Mapping[str, tuple[str, ...]]


def routing(
    v: Fields, node: Node, approvers: Approvers, categories: set[str]
) -> tuple[tuple[Stage, ...], tuple[RoutingRule, ...]]:
    fields = v.fields(node, "routing", "routing", ROUTING_FIELDS, ("default",))
    if fields is None:
        return (), ()
    default: tuple[Stage, ...] = ()
    if "default" in fields:
        default = stages(v, fields["default"], "routing.default", approvers)
    found: list[RoutingRule] = []
    if "rules" in fields:
        items = v.items(fields["rules"], "routing.rules", "routing rules", allow_empty=True)
        for i, item in enumerate(items):
            rule = _routing_rule(v, item, item_field("routing.rules", i), approvers, categories)
            if rule is not None:
                found.append(rule)
    return default, tuple(found)


def _routing_rule(
    v: Fields, node: Node, where: str, approvers: Approvers, categories: set[str]
) -> RoutingRule | None:
    fields = v.fields(node, where, "a routing rule", ROUTING_RULE_FIELDS, ("when", "stages"))
    if fields is None or "when" not in fields or "stages" not in fields:
        return None
    when = conditions(v, fields["when"], f"{where}.when", ROUTING_CONDITIONS, categories)
    found = stages(v, fields["stages"], f"{where}.stages", approvers)
    if when is None or not found:
        return None
    return RoutingRule(when=when, stages=found)


def stages(v: Fields, node: Node, where: str, approvers: Approvers) -> tuple[Stage, ...]:
    seen: dict[str, int] = {}
    out: list[Stage] = []
    for i, item in enumerate(v.items(node, where, "stages (group names or {group, mode})")):
        stage = _stage(v, item, item_field(where, i), approvers)
        if stage is not None:
            v.unique(seen, stage.group, item.line, item_field(where, i), "stage group")
            out.append(stage)
    return tuple(out)


def _stage(v: Fields, node: Node, where: str, approvers: Approvers) -> Stage | None:
    mode = "any"
    group_node = node
    group_where = where
    if node.kind == "map":
        fields = v.fields(node, where, "a stage", STAGE_FIELDS, ("group",))
        if fields is None or "group" not in fields:
            return None
        group_node, group_where = fields["group"], f"{where}.group"
        if "mode" in fields:
            mode = v.choice(fields["mode"], f"{where}.mode", STAGE_MODES) or "any"
    group = v.string(group_node, group_where)
    if group is None:
        return None
    if group not in approvers:
        known = ", ".join(approvers) if approvers else "none (add an 'approvers' section)"
        v.error(
            group_node.line,
            group_where,
            f"'{group}' is not a group in approvers{did_you_mean(group, approvers) or ';'}"
            f" known groups: {known}",
        )
        return None
    return Stage(group=group, mode=mode)  # type: ignore[arg-type]


def conditions(
    v: Fields,
    node: Node,
    where: str,
    allowed: Sequence[str],
    categories: set[str] | None = None,
) -> dict[str, tuple[Any, ...]] | None:
    """`{kind: reply, platform: [x, threads]}`: each value a scalar or a list of scalars."""
    what = "a policy entry" if "verdict" in allowed else "a routing condition"
    fields = v.fields(node, where, what, allowed)
    if fields is None:
        return None
    if not fields and not node.key_lines:
        v.error(
            node.line,
            where,
            f"{what} needs at least one of {', '.join(allowed)}; "
            "an empty one would match every draft",
        )
        return None
    before = len(v.problems)
    out: dict[str, tuple[Any, ...]] = {}
    for name, value in fields.items():
        check = _condition_check(v, name, categories)
        field_where = f"{where}.{name}"
        if value.kind == "seq":
            out[name] = v.each(value, field_where, "values", check) or ()
        else:
            out[name] = (check(value, field_where),)
    return out if len(v.problems) == before else None


def _condition_check(
    v: Fields, name: str, categories: set[str] | None
) -> Callable[[Node, str], Any]:
    if name == "platform":
        return bind(v.choice, PLATFORMS, PLATFORM_ALIASES)
    if name == "kind":
        return bind(v.choice, KINDS)
    if name == "verdict":
        return bind(v.choice, VERDICTS)
    if name == "sponsored":
        return v.boolean
    return lambda node, where: _category(v, node, where, categories or set())


def _category(v: Fields, node: Node, where: str, categories: set[str]) -> str | None:
    value = v.string(node, where, pattern=SLUG_PATTERN, hint=SLUG_HINT)
    if value is not None and value not in categories:
        # A condition on a category no rule has can never match: almost always a typo.
        known = ", ".join(sorted(categories))
        v.error(
            node.line,
            where,
            f"no rule has category '{value}'{did_you_mean(value, categories) or ';'}"
            f" known categories (of the rules and built-in checks): {known}",
        )
        return None
    return value


def policy(v: Fields, node: Node) -> tuple[AutoApproveEntry, ...]:
    fields = v.fields(node, "policy", "policy", POLICY_FIELDS)
    if fields is None or "auto_approve" not in fields:
        return ()
    where = "policy.auto_approve"
    out = []
    for i, item in enumerate(
        v.items(fields["auto_approve"], where, "conditions", allow_empty=True)
    ):
        found = conditions(v, item, item_field(where, i), POLICY_CONDITIONS)
        if found is not None:
            out.append(AutoApproveEntry(index=i, conditions=found))
    return tuple(out)

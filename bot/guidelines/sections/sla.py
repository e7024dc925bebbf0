"""Schema of `sla:`: how long a review stage may wait, reminders, escalation, business hours."""

from __future__ import annotations

from bot.guidelines.clock import DAY_NAMES, MAX_REMINDERS, BusinessHours, Duration, parse_duration
from bot.guidelines.errors import did_you_mean
from bot.guidelines.fields import Fields
from bot.guidelines.model import ROUTING_CONDITIONS, Sla, SlaRule
from bot.guidelines.sections.routing import Approvers, conditions
from bot.guidelines.yamlmarks import Node, item_field

SLA_FIELDS = ("default", "rules", "reminders", "escalate_to", "business_hours")
SLA_RULE_FIELDS = ("when", "within")
BUSINESS_HOURS_FIELDS = ("timezone", "days", "hours")
DURATION_HINT = "a whole number and m, h or d: 45m, 4h, 2d"


def sla(v: Fields, node: Node, approvers: Approvers, categories: set[str]) -> Sla | None:
    fields = v.fields(node, "sla", "sla", SLA_FIELDS)
    if fields is None:
        return None
    before = len(v.problems)
    default = duration(v, fields["default"], "sla.default") if "default" in fields else None
    found: list[SlaRule] = []
    if "rules" in fields:
        items = v.items(fields["rules"], "sla.rules", "sla rules ({when, within})")
        for i, item in enumerate(items):
            rule = _rule(v, item, item_field("sla.rules", i), categories)
            if rule is not None:
                found.append(rule)
    if "default" not in fields and "rules" not in fields:
        v.error(node.line, "sla", "sla needs 'default' or 'rules' (else no stage has a deadline)")
    reminders = 1
    if "reminders" in fields:
        reminders = _reminders(v, fields["reminders"]) or 0
    escalate_to: tuple[str, ...] = ()
    if "escalate_to" in fields:
        escalate_to = _groups(v, fields["escalate_to"], approvers)
    hours = _business_hours(v, fields["business_hours"]) if "business_hours" in fields else None
    if len(v.problems) != before:
        return None
    return Sla(default, tuple(found), reminders, escalate_to, hours)


def duration(v: Fields, node: Node, where: str) -> Duration | None:
    text = v.string(node, where)
    if text is None:
        return None
    try:
        return parse_duration(text)
    except ValueError:
        v.error(node.line, where, f"'{text}' is not a duration; use {DURATION_HINT}")
        return None


def _rule(v: Fields, node: Node, where: str, categories: set[str]) -> SlaRule | None:
    fields = v.fields(node, where, "an sla rule", SLA_RULE_FIELDS, SLA_RULE_FIELDS)
    if fields is None or "when" not in fields or "within" not in fields:
        return None
    when = conditions(v, fields["when"], f"{where}.when", ROUTING_CONDITIONS, categories)
    within = duration(v, fields["within"], f"{where}.within")
    if when is None or within is None:
        return None
    return SlaRule(when=when, within=within)


def _reminders(v: Fields, node: Node) -> int | None:
    count = v.integer(node, "sla.reminders", minimum=0)
    if count is not None and count > MAX_REMINDERS:
        v.error(node.line, "sla.reminders", f"{count} is too many; expected 0 to {MAX_REMINDERS}")
        return None
    return count


def _groups(v: Fields, node: Node, approvers: Approvers) -> tuple[str, ...]:
    def check(item: Node, where: str) -> str | None:
        group = v.string(item, where)
        if group is not None and group not in approvers:
            known = ", ".join(approvers) if approvers else "none (add an 'approvers' section)"
            hint = did_you_mean(group, approvers) or ";"
            v.error(item.line, where, f"'{group}' is not a group in approvers{hint} known: {known}")
            return None
        return group

    return v.each(node, "sla.escalate_to", "approver group names", check) or ()


def _business_hours(v: Fields, node: Node) -> BusinessHours | None:
    where = "sla.business_hours"
    fields = v.fields(node, where, where, BUSINESS_HOURS_FIELDS, BUSINESS_HOURS_FIELDS)
    if fields is None or any(name not in fields for name in BUSINESS_HOURS_FIELDS):
        return None
    zone_node, days_node, hours_node = (fields[n] for n in BUSINESS_HOURS_FIELDS)
    zone = v.string(zone_node, f"{where}.timezone")
    days = v.choice_list(days_node, f"{where}.days", DAY_NAMES)
    hours = v.string(hours_node, f"{where}.hours")
    if zone is None or days is None or hours is None:
        return None
    # Each part alone, so the error names the line of the part that is wrong.
    for part_node, part, parse in (
        (zone_node, "timezone", lambda: BusinessHours.parse(zone, ["mon"], "09:00-18:00")),
        (hours_node, "hours", lambda: BusinessHours.parse("UTC", ["mon"], hours)),
    ):
        try:
            parse()
        except ValueError as exc:
            v.error(part_node.line, f"{where}.{part}", str(exc))
            return None
    return BusinessHours.parse(zone, list(days), hours)

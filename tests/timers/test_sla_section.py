"""`sla:` in guideline files: loads into the model, and every mistake is `file:line: field: why`."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from bot.engine.rules import RULE_TYPES
from bot.guidelines.errors import GuidelineError
from bot.guidelines.loader import load_bytes
from bot.guidelines.model import Guidelines

BASE = """\
brand: Acme
language: en
rules:
  - id: no-guarantees
    type: existence
    level: error
    tokens: [guarantee]
    category: legal
approvers:
  brand: [U01BRAND1]
  legal: [U01LEGAL1]
routing:
  default: [brand]
"""


def load(sla: str) -> Guidelines:
    text = BASE + textwrap.dedent(sla)
    return load_bytes(Path("acme.yml"), text.encode(), RULE_TYPES)


def problems(sla: str) -> list[str]:
    with pytest.raises(GuidelineError) as caught:
        load(sla)
    return [str(p) for p in caught.value.problems]


def test_full_sla_block_loads() -> None:
    g = load(
        """\
        sla:
          default: 24h
          rules:
            - when: {kind: reply}
              within: 45m
            - when: {category: legal, platform: [x, linkedin]}
              within: 2d
          reminders: 2
          escalate_to: [brand]
          business_hours:
            timezone: Europe/Rome
            days: [mon, tue, wed, thu, fri]
            hours: "09:00-18:00"
        """
    )
    assert g.sla is not None
    assert g.sla.default is not None and g.sla.default.elapsed() == timedelta(hours=24)
    assert [r.within.elapsed() for r in g.sla.rules] == [timedelta(minutes=45), timedelta(days=2)]
    assert g.sla.rules[1].when == {"category": ("legal",), "platform": ("x", "linkedin")}
    assert g.sla.reminders == 2
    assert g.sla.escalate_to == ("brand",)
    hours = g.sla.business_hours
    assert hours is not None and str(hours.timezone) == "Europe/Rome"
    assert hours.days == frozenset(range(5))


def test_no_sla_means_no_deadlines_and_reminders_default_to_one() -> None:
    assert load("").sla is None
    g = load("sla: {default: 4h}\n")
    assert g.sla is not None and g.sla.reminders == 1 and g.sla.business_hours is None


@pytest.mark.parametrize(
    ("sla", "expected"),
    [
        ("sla: {default: 3 hours}\n", "acme.yml:14: sla.default: '3 hours' is not a duration"),
        ("sla: {default: 0h}\n", "acme.yml:14: sla.default: '0h' is not a duration"),
        ("sla: {default: 4h, reminders: 6}\n", "acme.yml:14: sla.reminders: 6 is too many"),
        ("sla: {default: 4h, reminders: -1}\n", "acme.yml:14: sla.reminders: -1 is too small"),
        ("sla: {default: 4h, escalate_to: [brnd]}\n", "sla.escalate_to[0]: 'brnd' is not a group"),
        ("sla: {default: 4h, remind: 2}\n", "sla.remind: 'remind' is not a known field of sla"),
        ("sla: {reminders: 2}\n", "acme.yml:14: sla: sla needs 'default' or 'rules'"),
        (
            "sla:\n  rules:\n    - when: {kind: story}\n      within: 1h\n",
            "acme.yml:16: sla.rules[0].when.kind: 'story' is not allowed",
        ),
        (
            "sla:\n  rules:\n    - when: {category: legl}\n      within: 1h\n",
            "sla.rules[0].when.category: no rule has category 'legl'",
        ),
        ("sla:\n  rules:\n    - within: 1h\n", "sla.rules[0].when: an sla rule needs 'when'"),
        (
            "sla:\n  default: 1h\n  business_hours:\n    timezone: Mars/Olympus\n"
            "    days: [mon]\n    hours: '09:00-18:00'\n",
            "acme.yml:17: sla.business_hours.timezone: 'Mars/Olympus' is not an IANA time zone",
        ),
        (
            "sla:\n  default: 1h\n  business_hours:\n    timezone: UTC\n"
            "    days: [monday]\n    hours: '09:00-18:00'\n",
            "acme.yml:18: sla.business_hours.days[0]: 'monday' is not allowed; use one of mon",
        ),
        (
            "sla:\n  default: 1h\n  business_hours:\n    timezone: UTC\n"
            "    days: [mon]\n    hours: '18:00-09:00'\n",
            "acme.yml:19: sla.business_hours.hours: '18:00-09:00': the closing time must be after",
        ),
        (
            "sla:\n  default: 1h\n  business_hours:\n    timezone: UTC\n    days: [mon]\n",
            "sla.business_hours.hours: sla.business_hours needs 'hours'",
        ),
    ],
)
def test_each_mistake_names_file_line_and_field(sla: str, expected: str) -> None:
    found = problems(sla)
    assert any(expected in p for p in found), found

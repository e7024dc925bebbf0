"""Who may see which report of a brand (Slack's `/brandgate report`, the digest).

The brand's approvers and auditors see the brand's whole report: they judge the agency's work
and the rules. A submitter sees only their own numbers (the report's `--by submitter` group for
them): enough to follow their own first-pass rate without reading colleagues'. Anyone else is
refused. A brand that lets everybody submit (`submitters: ["*"]`) therefore shows every user
their own numbers and nothing more.
"""

from __future__ import annotations

from enum import Enum

from bot.guidelines.model import Guidelines


class Audience(Enum):
    WHOLE = "whole"  # approvers and auditors
    OWN = "own"  # submitters: their own drafts only


def approvers_of(g: Guidelines) -> list[str]:
    """Every person in any approver group of the brand, once, in file order."""
    seen: dict[str, None] = {}
    for members in g.approvers.values():
        for member in members:
            seen.setdefault(member, None)
    return list(seen)


def audience(g: Guidelines, user: str) -> Audience | None:
    if user in approvers_of(g) or user in g.auditors:
        return Audience.WHOLE
    if g.may_submit(user):
        return Audience.OWN
    return None

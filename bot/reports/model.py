"""What a report is: plain data, so the CLI, Slack and the portal render the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def ratio(part: float, whole: float) -> float | None:
    """part / whole rounded to 0.01, or None when there is nothing to divide by."""
    return round(part / whole, 2) if whole else None


@dataclass(frozen=True)
class RuleStats:
    rule: str
    drafts: int
    confirmed: int
    overruled: int
    precision: float | None
    advice: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "drafts": self.drafts,
            "confirmed": self.confirmed,
            "overruled": self.overruled,
            "precision": self.precision,
            "advice": self.advice,
        }


@dataclass(frozen=True)
class Metrics:
    """The SPEC's numbers for one set of drafts (the whole report, or one group)."""

    drafts: int = 0
    decided: int = 0
    approved: int = 0
    auto_approved: int = 0
    rejected: int = 0
    blocked: int = 0
    overridden: int = 0
    withdrawn: int = 0
    expired: int = 0
    first_pass_approval_rate: float | None = None
    revisions_per_draft: float | None = None
    turnaround_p50: float | None = None
    turnaround_p90: float | None = None
    sla_breaches: int = 0
    authenticity: dict[str, float | None] = field(default_factory=dict)
    rules: tuple[RuleStats, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "drafts": self.drafts,
            "decided": self.decided,
            "approved": self.approved,
            "auto_approved": self.auto_approved,
            "rejected": self.rejected,
            "blocked": self.blocked,
            "overridden": self.overridden,
            "withdrawn": self.withdrawn,
            "expired": self.expired,
            "first_pass_approval_rate": self.first_pass_approval_rate,
            "revisions_per_draft": self.revisions_per_draft,
            "turnaround_minutes": {"p50": self.turnaround_p50, "p90": self.turnaround_p90},
            "sla_breaches": self.sla_breaches,
            "authenticity": dict(self.authenticity),
            "rules": [r.to_json() for r in self.rules],
        }


@dataclass(frozen=True)
class Group:
    key: str
    metrics: Metrics

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, **self.metrics.to_json()}


@dataclass(frozen=True)
class Report:
    brand: str | None
    since: str
    until: str
    by: str | None
    metrics: Metrics
    groups: tuple[Group, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The SPEC's JSON object (contract), plus `by` naming what `groups` are keyed by."""
        return {
            "brand": self.brand,
            "since": self.since,
            "until": self.until,
            **self.metrics.to_json(),
            "by": self.by,
            "groups": [g.to_json() for g in self.groups],
        }

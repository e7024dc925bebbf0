"""Who must approve a draft: the routing plan computed from its check result and metadata."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.engine.findings import CheckResult, Draft
from bot.guidelines.model import AutoApproveEntry, Guidelines, Stage


@dataclass(frozen=True, slots=True)
class RouteStage:
    stage: int
    group: str
    mode: str
    approvers: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "group": self.group,
            "mode": self.mode,
            "approvers": list(self.approvers),
        }


@dataclass(frozen=True, slots=True)
class RoutePlan:
    stages: tuple[RouteStage, ...]
    auto_approved_by: str | None = None
    problem: str | None = None

    def to_json(self) -> list[dict[str, Any]]:
        return [s.to_json() for s in self.stages]


def _holds(accepted: tuple[Any, ...], actual: Any) -> bool:
    return actual in accepted


def _routing_rule_matches(
    when: dict[str, tuple[Any, ...]] | Any, draft: Draft, categories: set[str]
) -> bool:
    for condition, accepted in when.items():
        if condition == "category":
            if categories.isdisjoint(accepted):
                return False
        elif condition == "platform":
            if not _holds(accepted, draft.platform):
                return False
        elif condition == "kind":
            if not _holds(accepted, draft.kind):
                return False
        elif condition == "sponsored" and not _holds(accepted, draft.sponsored):
            return False
    return True


def policy_entry(
    guidelines: Guidelines, result: CheckResult, draft: Draft
) -> AutoApproveEntry | None:
    """The first `policy.auto_approve` entry whose every condition holds, if any."""
    facts = {
        "kind": draft.kind,
        "platform": draft.platform,
        "sponsored": draft.sponsored,
        "verdict": result.verdict,
    }
    for entry in guidelines.auto_approve:
        if all(facts[name] in accepted for name, accepted in entry.conditions.items()):
            return entry
    return None


def matching_stages(guidelines: Guidelines, result: CheckResult, draft: Draft) -> list[Stage]:
    """Stages of every matching routing rule, in order of first appearance, duplicates dropped;
    the default stages when no rule matches. A group named twice keeps its first place and the
    stricter mode: if any rule needs all of legal to agree, all of legal must agree."""
    categories = {f.category for f in result.findings if f.category}
    merged: dict[str, Stage] = {}
    for rule in guidelines.routing_rules:
        if _routing_rule_matches(rule.when, draft, categories):
            for stage in rule.stages:
                if stage.group not in merged:
                    merged[stage.group] = stage
                elif stage.mode == "all":  # re-assigning keeps the group's first place
                    merged[stage.group] = Stage(stage.group, "all")
    return list(merged.values()) or list(guidelines.routing_default)


def _eligible(
    guidelines: Guidelines, stage: Stage, submitter: str | None, away: frozenset[str]
) -> tuple[str, ...]:
    members = guidelines.approvers.get(stage.group, ())
    return tuple(dict.fromkeys(m for m in members if m != submitter and m not in away))


def plan_route(
    guidelines: Guidelines,
    result: CheckResult,
    draft: Draft,
    submitter: str | None = None,
    away: frozenset[str] = frozenset(),
) -> RoutePlan:
    """Stages with their eligible approvers; a submitter never approves their own draft, and
    approvers `away` are not routed new stages (a group left empty falls back like one)."""
    entry = policy_entry(guidelines, result, draft)
    if entry is not None:
        return RoutePlan(stages=(), auto_approved_by=entry.label)
    planned: dict[Stage, tuple[str, ...]] = {}
    for stage in matching_stages(guidelines, result, draft):
        eligible = _eligible(guidelines, stage, submitter, away)
        # A stage nobody may approve falls back to the default stages.
        for candidate, members in (
            [(stage, eligible)]
            if eligible
            else [
                (d, _eligible(guidelines, d, submitter, away)) for d in guidelines.routing_default
            ]
        ):
            if members and candidate not in planned:
                planned[candidate] = members
    if not planned:
        who = f" other than {submitter}" if submitter else ""
        return RoutePlan(
            stages=(),
            problem=(
                f"no eligible approver{who} for brand {guidelines.brand_id}: "
                "ask a brand owner to add approvers to the guidelines"
            ),
        )
    stages = tuple(
        RouteStage(stage=i, group=s.group, mode=s.mode, approvers=eligible)
        for i, (s, eligible) in enumerate(planned.items(), start=1)
    )
    return RoutePlan(stages=stages)

"""The validated, immutable form of one brand's guideline file.

The loader turns YAML into these objects; the engine, routing and workflow only ever see them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bot.guidelines.clock import BusinessHours, Duration

Level = Literal["suggestion", "warning", "error"]
MatchMode = Literal["lemma", "lower", "exact"]
Kind = Literal["post", "reply"]
StageMode = Literal["any", "all"]

LEVELS: tuple[str, ...] = ("suggestion", "warning", "error")
MATCH_MODES: tuple[str, ...] = ("lemma", "lower", "exact")
KINDS: tuple[str, ...] = ("post", "reply")
PLATFORMS: tuple[str, ...] = (
    "x",
    "linkedin",
    "instagram",
    "facebook",
    "tiktok",
    "threads",
    "youtube",
)
LANGUAGES: tuple[str, ...] = ("en", "it")
STAGE_MODES: tuple[str, ...] = ("any", "all")
ROUTING_CONDITIONS: tuple[str, ...] = ("category", "platform", "kind", "sponsored")
POLICY_CONDITIONS: tuple[str, ...] = ("kind", "platform", "sponsored", "verdict")
VERDICTS: tuple[str, ...] = ("pass", "review", "block")


@dataclass(frozen=True)
class ValueSpec:
    id: str
    description: str
    signals: tuple[str, ...] = ()
    contradictions: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlatformLimits:
    max_chars: int | None = None
    max_hashtags: int | None = None


@dataclass(frozen=True)
class Disclosure:
    tags: tuple[str, ...]
    within_chars: int | None = None


@dataclass(frozen=True)
class RuleSpec:
    """One entry of `rules:`. `options` holds the type-specific fields, already validated."""

    id: str
    type: str
    level: Level
    message: str | None = None
    category: str | None = None
    overridable: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    #: the rule applies only to drafts on these platforms / of these kinds (empty: all)
    platforms: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    line: int = 0


@dataclass(frozen=True)
class Stage:
    group: str
    mode: StageMode = "any"


@dataclass(frozen=True)
class RoutingRule:
    """`when` maps a condition name (category, platform, kind, sponsored) to the accepted values."""

    when: Mapping[str, tuple[Any, ...]]
    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class AutoApproveEntry:
    """One `policy.auto_approve` entry; every condition must hold. `index` names it in the audit."""

    index: int
    conditions: Mapping[str, tuple[Any, ...]]

    @property
    def label(self) -> str:
        return f"policy.auto_approve[{self.index}]"


@dataclass(frozen=True)
class SlaRule:
    """One `sla.rules` entry: drafts meeting `when` (routing's conditions) get `within`."""

    when: Mapping[str, tuple[Any, ...]]
    within: Duration


@dataclass(frozen=True)
class Sla:
    """How long a review stage may wait for a decision (SPEC "Workflow over time")."""

    default: Duration | None = None
    rules: tuple[SlaRule, ...] = ()
    reminders: int = 1
    escalate_to: tuple[str, ...] = ()
    business_hours: BusinessHours | None = None


@dataclass(frozen=True)
class Guidelines:
    brand_id: str
    brand: str
    language: str
    version: str
    sha256: str
    path: Path
    values: tuple[ValueSpec, ...] = ()
    platforms: Mapping[str, PlatformLimits] = field(default_factory=dict)
    disclosure: Disclosure | None = None
    rules: tuple[RuleSpec, ...] = ()
    approvers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    routing_default: tuple[Stage, ...] = ()
    routing_rules: tuple[RoutingRule, ...] = ()
    auto_approve: tuple[AutoApproveEntry, ...] = ()
    submitters: tuple[str, ...] = ("*",)
    auditors: tuple[str, ...] = ()
    #: the Slack team the brand lives in (many workspaces); None: any
    workspace: str | None = None
    #: None: the brand has no deadlines
    sla: Sla | None = None

    def may_submit(self, user: str) -> bool:
        return "*" in self.submitters or user in self.submitters

    def rule(self, rule_id: str) -> RuleSpec | None:
        return next((r for r in self.rules if r.id == rule_id), None)

"""Brand guideline files: the typed model and its validating loader."""

from bot.guidelines.model import (
    AutoApproveEntry,
    Disclosure,
    Guidelines,
    PlatformLimits,
    RoutingRule,
    RuleSpec,
    Stage,
    ValueSpec,
)

__all__ = [
    "AutoApproveEntry",
    "Disclosure",
    "Guidelines",
    "PlatformLimits",
    "RoutingRule",
    "RuleSpec",
    "Stage",
    "ValueSpec",
]
